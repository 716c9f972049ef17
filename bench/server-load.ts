/**
 * Load on `gradclip serve` (issue 12, point 3), on loopback, against the
 * built CLI (`npm run build` first): a runs folder with 20 small finished
 * runs and one unfinished run whose steps.jsonl is about 200 MB and still
 * growing. Measured side by side in one run:
 *
 * 1. `/api/runs` latency (p50/p99) with 10 concurrent clients polling it;
 * 2. latency of a small run's `/api/steps` while those 10 clients poll;
 * 3. the server's peak RSS while 100 concurrent clients read the whole
 *    200 MB run through `/api/steps` at full speed (following `next`), and
 *    the number of failed requests.
 *
 * Usage: node --import tsx bench/server-load.ts [--mb 200] [--seconds 10] [--readers 100]
 * Prints a table and one JSON line.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import http from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const args = process.argv.slice(2);
const arg = (name: string, dflt: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const MB = arg('mb', 200);
const SECONDS = arg('seconds', 10);
const READERS = arg('readers', 100);
const CLI = resolve(import.meta.dirname, '..', 'packages', 'cli', 'dist', 'cli.js');

function line(step: number): string {
  const ln: Record<string, number> = {};
  for (let i = 0; i < 8; i++) ln[`gc1/layer_${i}/kernel`] = Math.abs(Math.sin(step * (i + 1))) * 3;
  return JSON.stringify({ step, loss: 1 / step, preClipNorm: 2 + Math.sin(step), postClipNorm: 1, clipCoef: 0.5, clipped: true, skipped: false, layerNorms: ln, time: 1.7e12 + step }) + '\n';
}

function makeRuns(root: string): { bigFile: string; bigSteps: number } {
  for (let r = 0; r < 20; r++) {
    const d = join(root, `small-${r}`);
    mkdirSync(d);
    let text = '';
    for (let s = 1; s <= 300; s++) text += line(s);
    writeFileSync(join(d, 'steps.jsonl'), text);
    writeFileSync(join(d, 'summary.json'), JSON.stringify({ steps: 300, diverged: false, divergedAtStep: null, finalLoss: 0.1, clipRate: 0.5, config: { task: 'addition', model: 'lstm', clip: 'norm:1' } }));
  }
  const big = join(root, 'big');
  mkdirSync(big);
  const bigFile = join(big, 'steps.jsonl');
  const fd = openSync(bigFile, 'w');
  let bytes = 0;
  let step = 0;
  const chunk: string[] = [];
  while (bytes < MB * 1024 * 1024) {
    const l = line(++step);
    chunk.push(l);
    bytes += l.length;
    if (chunk.length === 5000) {
      writeSync(fd, chunk.join(''));
      chunk.length = 0;
    }
  }
  writeSync(fd, chunk.join(''));
  closeSync(fd);
  return { bigFile, bigSteps: step };
}

async function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => res(p));
    });
  });
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
function get(port: number, path: string): Promise<{ status: number; body: Buffer; ms: number }> {
  const t0 = performance.now();
  return new Promise((res, rej) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent, headers: { host: `localhost:${port}` } }, (r) => {
      const parts: Buffer[] = [];
      r.on('data', (c: Buffer) => parts.push(c));
      r.on('end', () => res({ status: r.statusCode ?? 0, body: Buffer.concat(parts), ms: performance.now() - t0 }));
      r.on('error', rej);
    });
    req.on('error', rej);
    req.setTimeout(120_000, () => req.destroy(new Error('timeout')));
  });
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : Number.NaN;
};

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'gradclip-serve-bench-'));
  const t0 = Date.now();
  const { bigFile, bigSteps } = makeRuns(root);
  console.log(`runs folder ${root}: 20 small runs, big run ${MB} MB (${bigSteps} steps), made in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const port = await freePort();
  const child = spawn(process.execPath, [CLI, 'serve', root, '--port', String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((res) => child.stdout?.on('data', (d: Buffer) => /gradclip serve:/.test(String(d)) && res()));
  const pid = child.pid as number;
  let peakRss = rssMb(pid);
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssMb(pid))), 50);
  // the big run keeps growing
  let step = bigSteps;
  const grower = setInterval(() => appendFileSync(bigFile, line(++step) + line(++step)), 100);
  let errors = 0;
  try {
    // 1 + 2: ten clients poll /api/runs; one client polls a small run's /api/steps
    const runsMs: number[] = [];
    const stepsMs: number[] = [];
    const until = performance.now() + SECONDS * 1000;
    const poller = async (): Promise<void> => {
      while (performance.now() < until) {
        const r = await get(port, '/api/runs').catch(() => null);
        if (!r || r.status !== 200) errors++;
        else runsMs.push(r.ms);
      }
    };
    const small = async (): Promise<void> => {
      while (performance.now() < until) {
        const r = await get(port, '/api/steps?run=small-3').catch(() => null);
        if (!r || r.status !== 200) errors++;
        else stepsMs.push(r.ms);
        await new Promise((w) => setTimeout(w, 20));
      }
    };
    await Promise.all([...Array.from({ length: 10 }, poller), small()]);
    const rssPolling = peakRss;
    // 3: READERS clients read the whole big run at full speed
    peakRss = rssMb(pid);
    const readMs: number[] = [];
    let readBytes = 0;
    const t1 = performance.now();
    const reader = async (): Promise<void> => {
      let offset = 0;
      let lineNo = 0;
      for (;;) {
        const r = await get(port, `/api/steps?run=big&offset=${offset}&line=${lineNo}`).catch(() => null);
        if (!r || r.status !== 200) {
          errors++;
          return;
        }
        readBytes += r.body.length;
        readMs.push(r.ms);
        const reply = JSON.parse(r.body.toString('utf8')) as { next: { offset: number; line: number }; more: boolean };
        offset = reply.next.offset;
        lineNo = reply.next.line;
        if (!reply.more) return;
      }
    };
    await Promise.all(Array.from({ length: READERS }, reader));
    const readSeconds = (performance.now() - t1) / 1000;
    const result = {
      mb: MB,
      runsP50Ms: pct(runsMs, 50),
      runsP99Ms: pct(runsMs, 99),
      runsRequests: runsMs.length,
      smallStepsP50Ms: pct(stepsMs, 50),
      smallStepsP99Ms: pct(stepsMs, 99),
      rssWhilePollingMb: rssPolling,
      readers: READERS,
      readersPeakRssMb: peakRss,
      readersSeconds: readSeconds,
      readersMBps: readBytes / 1024 / 1024 / readSeconds,
      chunkP99Ms: pct(readMs, 99),
      errors,
    };
    console.log(`/api/runs, 10 clients: p50 ${result.runsP50Ms.toFixed(1)} ms, p99 ${result.runsP99Ms.toFixed(1)} ms (${result.runsRequests} requests in ${SECONDS} s)`);
    console.log(`small /api/steps meanwhile: p50 ${result.smallStepsP50Ms.toFixed(1)} ms, p99 ${result.smallStepsP99Ms.toFixed(1)} ms`);
    console.log(`${READERS} readers of the ${MB} MB run: peak RSS ${result.readersPeakRssMb.toFixed(0)} MB, ${result.readersSeconds.toFixed(1)} s, ${result.readersMBps.toFixed(0)} MB/s of JSON, chunk p99 ${result.chunkP99Ms.toFixed(0)} ms`);
    console.log(`errors: ${errors}`);
    console.log(JSON.stringify(result));
  } finally {
    clearInterval(sampler);
    clearInterval(grower);
    child.kill('SIGTERM');
    agent.destroy();
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
