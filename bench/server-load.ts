/**
 * Load on `gradclip serve` (issue 12, point 3), on loopback, against the
 * built CLI (`npm run build` first): a runs folder with 20 small finished
 * runs and one unfinished run whose steps.jsonl is about 200 MB and still
 * growing (two lines appended every 100 ms throughout). Measured side by side in one run:
 *
 * 1. `/api/runs` latency (p50/p99) with 10 concurrent clients polling it
 *    back to back (no think time);
 * 2. latency of a small run's `/api/steps` (300 steps) while those 10
 *    clients poll, one request every 20 ms;
 * 3. the server's peak RSS while `--readers` concurrent clients read the
 *    whole 200 MB run through `/api/steps` at full speed (following
 *    `next` until `more` is false); every reader checks that it got steps
 *    1, 2, 3, ... exactly once and in order;
 * 4. the server's peak RSS while `--paused` clients each open a
 *    `/api/steps` of the big run and stop reading (response paused) for
 *    `--pause-seconds`.
 *
 * Errors are counted per phase and by kind (HTTP status, connection error,
 * timeout, a reply out of order). The client runs in this process, on the
 * same machine as the server: on a small machine the two share the cores,
 * so the read throughput is a lower bound for the server alone.
 *
 * Usage: node --import tsx bench/server-load.ts [--mb 200] [--seconds 10] [--readers 100]
 *        [--paused 50] [--pause-seconds 3] [--cli packages/cli/dist/cli.js]
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
const argText = (name: string, dflt: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? String(args[i + 1]) : dflt;
};
const MB = arg('mb', 200);
const SECONDS = arg('seconds', 10);
const READERS = arg('readers', 100);
const PAUSED = arg('paused', 50);
const PAUSE_SECONDS = arg('pause-seconds', 3);
const CLI = resolve(argText('cli', resolve(import.meta.dirname, '..', 'packages', 'cli', 'dist', 'cli.js')));

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

/** Errors of one phase, by kind. */
type Errors = Record<string, number>;
const countError = (errors: Errors, kind: string): void => {
  errors[kind] = (errors[kind] ?? 0) + 1;
};
const totalErrors = (errors: Errors): number => Object.values(errors).reduce((a, b) => a + b, 0);

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

/** Runs `get` and files a failure under its kind; null when it failed. */
async function tryGet(port: number, path: string, errors: Errors): Promise<{ status: number; body: Buffer; ms: number } | null> {
  try {
    const r = await get(port, path);
    if (r.status !== 200) {
      countError(errors, `http ${r.status}`);
      return null;
    }
    return r;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    countError(errors, err.message === 'timeout' ? 'timeout' : (err.code ?? err.message));
    return null;
  }
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : Number.NaN;
};

function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'gradclip-serve-bench-'));
  const t0 = Date.now();
  const { bigFile, bigSteps } = makeRuns(root);
  console.log(`runs folder ${root}: 20 small runs, big run ${MB} MB (${bigSteps} steps), made in ${((Date.now() - t0) / 1000).toFixed(1)} s; server ${CLI}`);
  const port = await freePort();
  const child = spawn(process.execPath, [CLI, 'serve', root, '--port', String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((res) => child.stdout?.on('data', (d: Buffer) => /gradclip serve:/.test(String(d)) && res()));
  const pid = child.pid as number;
  const rssStart = rssMb(pid);
  let peakRss = rssStart;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssMb(pid) || 0)), 50);
  // the big run keeps growing
  let step = bigSteps;
  const grower = setInterval(() => appendFileSync(bigFile, line(++step) + line(++step)), 100);
  const pollErrors: Errors = {};
  const readErrors: Errors = {};
  const pausedErrors: Errors = {};
  try {
    // 1 + 2: ten clients poll /api/runs; one client polls a small run's /api/steps
    const runsMs: number[] = [];
    const stepsMs: number[] = [];
    const until = performance.now() + SECONDS * 1000;
    const poller = async (): Promise<void> => {
      while (performance.now() < until) {
        const r = await tryGet(port, '/api/runs', pollErrors);
        if (r) runsMs.push(r.ms);
      }
    };
    const small = async (): Promise<void> => {
      while (performance.now() < until) {
        const r = await tryGet(port, '/api/steps?run=small-3', pollErrors);
        if (r) {
          const n = (JSON.parse(r.body.toString('utf8')) as { steps: unknown[] }).steps.length;
          if (n !== 300) countError(pollErrors, 'wrong step count');
          else stepsMs.push(r.ms);
        }
        await new Promise((w) => setTimeout(w, 20));
      }
    };
    await Promise.all([...Array.from({ length: 10 }, poller), small()]);
    const rssPolling = peakRss;
    // 3: READERS clients read the whole big run at full speed
    peakRss = rssMb(pid);
    const readMs: number[] = [];
    let readBytes = 0;
    let readSteps = 0;
    const t1 = performance.now();
    const reader = async (): Promise<void> => {
      let offset = 0;
      let lineNo = 0;
      let expect = 1;
      for (;;) {
        const r = await tryGet(port, `/api/steps?run=big&offset=${offset}&line=${lineNo}`, readErrors);
        if (!r) return;
        readBytes += r.body.length;
        readMs.push(r.ms);
        const reply = JSON.parse(r.body.toString('utf8')) as { steps: Array<{ step: number }>; next: { offset: number; line: number }; more: boolean };
        for (const s of reply.steps) {
          if (s.step !== expect) {
            countError(readErrors, 'out of order');
            return;
          }
          expect++;
        }
        readSteps += reply.steps.length;
        offset = reply.next.offset;
        lineNo = reply.next.line;
        if (!reply.more) return;
      }
    };
    await Promise.all(Array.from({ length: READERS }, reader));
    const readSeconds = (performance.now() - t1) / 1000;
    const readersPeakRss = peakRss;
    // 4: PAUSED clients open the big run and stop reading
    peakRss = rssMb(pid);
    const pausedAgent = new http.Agent({ keepAlive: false, maxSockets: 1024 });
    const pausedReqs: http.ClientRequest[] = [];
    let pausedAnswered = 0;
    for (let i = 0; i < PAUSED; i++) {
      const req = http.get({ host: '127.0.0.1', port, path: '/api/steps?run=big', agent: pausedAgent, headers: { host: `localhost:${port}` } }, (r) => {
        if (r.statusCode !== 200) countError(pausedErrors, `http ${r.statusCode}`);
        else pausedAnswered++;
        r.pause();
      });
      req.on('error', (e: NodeJS.ErrnoException) => {
        if (!req.destroyed || e.message !== 'paused reader closed') countError(pausedErrors, e.code ?? e.message);
      });
      pausedReqs.push(req);
    }
    await new Promise((w) => setTimeout(w, PAUSE_SECONDS * 1000));
    const pausedPeakRss = peakRss;
    for (const req of pausedReqs) req.destroy(new Error('paused reader closed'));
    pausedAgent.destroy();
    const result = {
      mb: MB,
      runsP50Ms: pct(runsMs, 50),
      runsP99Ms: pct(runsMs, 99),
      runsRequests: runsMs.length,
      smallStepsP50Ms: pct(stepsMs, 50),
      smallStepsP99Ms: pct(stepsMs, 99),
      smallStepsRequests: stepsMs.length,
      rssStartMb: rssStart,
      rssWhilePollingMb: rssPolling,
      pollErrors,
      readers: READERS,
      readersPeakRssMb: readersPeakRss,
      readersSeconds: readSeconds,
      readersMBps: readBytes / 1024 / 1024 / readSeconds,
      readersStepsPerReader: readSteps / READERS,
      chunkRequests: readMs.length,
      chunkP50Ms: pct(readMs, 50),
      chunkP99Ms: pct(readMs, 99),
      readErrors,
      paused: PAUSED,
      pausedAnswered,
      pausedPeakRssMb: pausedPeakRss,
      pausedErrors,
      errors: totalErrors(pollErrors) + totalErrors(readErrors) + totalErrors(pausedErrors),
    };
    const kinds = (e: Errors): string => (totalErrors(e) === 0 ? 'none' : Object.entries(e).map(([k, n]) => `${n} ${k}`).join(', '));
    console.log(`server RSS at start ${rssStart.toFixed(0)} MB, peak while polling ${rssPolling.toFixed(0)} MB`);
    console.log(`/api/runs, 10 clients: p50 ${result.runsP50Ms.toFixed(1)} ms, p99 ${result.runsP99Ms.toFixed(1)} ms (${result.runsRequests} requests in ${SECONDS} s)`);
    console.log(`small /api/steps meanwhile: p50 ${result.smallStepsP50Ms.toFixed(1)} ms, p99 ${result.smallStepsP99Ms.toFixed(1)} ms (${result.smallStepsRequests} requests)`);
    console.log(`errors while polling: ${kinds(pollErrors)}`);
    console.log(
      `${READERS} readers of the ${MB} MB run: peak RSS ${readersPeakRss.toFixed(0)} MB, ${readSeconds.toFixed(1)} s, ${result.readersMBps.toFixed(0)} MB/s of JSON, ` +
        `${result.readersStepsPerReader.toFixed(0)} steps per reader, ${result.chunkRequests} chunks, chunk p50 ${result.chunkP50Ms.toFixed(0)} ms, p99 ${result.chunkP99Ms.toFixed(0)} ms`,
    );
    console.log(`errors while reading: ${kinds(readErrors)}`);
    console.log(`${PAUSED} paused readers (${pausedAnswered} answered): peak RSS ${pausedPeakRss.toFixed(0)} MB; errors: ${kinds(pausedErrors)}`);
    console.log(`errors: ${result.errors}`);
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
