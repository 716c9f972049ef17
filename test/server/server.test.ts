import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../../packages/cli/src/server/server.js';
import { listRuns } from '../../packages/cli/src/server/runs.js';
import { readStepsChunk } from '../../packages/cli/src/server/steps-chunk.js';
import { hostHeaderAllowed, isLoopbackHost } from '../../packages/cli/src/server/host-check.js';
import { checkRelativePath, decodeRelativePath, PathRefusedError } from '../../packages/cli/src/server/safe-path.js';
import { parsePort } from '../../packages/cli/src/cli/commands/serve.js';

const SECRET = 'TOP-SECRET-OUTSIDE-THE-RUNS-FOLDER';

/** One steps.jsonl line written by hand (the contract's JSON shape). */
function line(step: number, loss: number | string, pre: number | string, clipped = false): string {
  return JSON.stringify({ step, loss, preClipNorm: pre, postClipNorm: pre, clipCoef: 1, clipped, skipped: false, layerNorms: { 'w': pre } }) + '\n';
}

function summary(task: string, clip: string, steps: number, diverged: boolean): string {
  return JSON.stringify({
    steps, diverged, divergedAtStep: diverged ? steps : null, finalLoss: diverged ? null : 0.08, clipRate: 0.34,
    config: { task, model: 'rnn', clip },
  });
}

let root: string;
let runs: string;
let outside: string;
let dash: string;
let server: RunningServer;

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'gradclip-serve-'));
  runs = join(root, 'runs');
  outside = join(root, 'outside');
  dash = join(root, 'dash');
  mkdirSync(join(runs, 'a'), { recursive: true });
  mkdirSync(join(runs, 'cmp', 'none'), { recursive: true });
  mkdirSync(join(runs, 'cmp', 'norm-1'), { recursive: true });
  mkdirSync(join(runs, 'live'), { recursive: true });
  mkdirSync(join(runs, '.hidden'), { recursive: true });
  mkdirSync(outside, { recursive: true });
  mkdirSync(dash, { recursive: true });
  writeFileSync(join(runs, 'a', 'steps.jsonl'), line(1, 0.5, 2) + line(2, 0.4, 3) + line(3, 0.3, 1.5));
  writeFileSync(join(runs, 'a', 'summary.json'), summary('addition', 'norm:1', 3, false));
  writeFileSync(join(runs, 'a', 'report.html'), '<!doctype html><title>report</title>');
  writeFileSync(join(runs, 'cmp', 'none', 'steps.jsonl'), line(1, 0.5, 2) + line(2, 'Infinity', 'NaN'));
  writeFileSync(join(runs, 'cmp', 'none', 'summary.json'), summary('addition', 'none', 2, true));
  writeFileSync(join(runs, 'cmp', 'norm-1', 'steps.jsonl'), line(1, 0.5, 2));
  writeFileSync(join(runs, 'cmp', 'norm-1', 'summary.json'), '{"steps": 1, "config": ');
  // A run still being written: line 3 is garbage, line 4 is cut in the middle.
  writeFileSync(join(runs, 'live', 'steps.jsonl'), line(1, 0.5, 2) + line(2, 0.4, 3) + '{"step": 3, "loss": oops}\n' + line(4, 0.2, 1).slice(0, 20));
  writeFileSync(join(runs, '.hidden', 'steps.jsonl'), line(1, 1, 1));
  writeFileSync(join(outside, 'secret.txt'), SECRET);
  writeFileSync(join(outside, 'steps.jsonl'), `{"step":1,"loss":"${SECRET}"}\n`);
  symlinkSync(outside, join(runs, 'evil-dir'));
  symlinkSync(join(outside, 'secret.txt'), join(runs, 'a', 'leak.txt'));
  writeFileSync(join(dash, 'index.html'), '<!doctype html><title>dash</title>');
  server = await startServer({ runsDir: runs, port: 0, dashboardDir: dash });
});

after(async () => {
  await server?.close();
  rmSync(root, { recursive: true, force: true });
});

/** A raw GET (no URL normalisation, unlike fetch): status, headers and body. */
function rawGet(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function getJson<T>(path: string): Promise<T> {
  const r = await rawGet(path);
  assert.equal(r.status, 200, `${path}: ${r.body}`);
  return JSON.parse(r.body) as T;
}

test('listens on loopback by default and prints a loopback URL', () => {
  assert.equal(server.host, '127.0.0.1');
  assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  assert.ok(server.port > 0);
});

test('GET /api/runs lists every folder with steps.jsonl, facts from summary.json', async () => {
  const { runs: list } = await getJson<{ runs: Array<Record<string, unknown>> }>('/api/runs');
  assert.deepEqual(list.map((r) => r.id), ['a', 'cmp/none', 'cmp/norm-1', 'live']);
  const a = list[0];
  assert.equal(a.name, 'a');
  assert.equal(a.task, 'addition');
  assert.equal(a.model, 'rnn');
  assert.equal(a.clip, 'norm:1');
  assert.equal(a.steps, 3);
  assert.equal(a.diverged, false);
  assert.equal(a.finished, true);
  assert.equal(a.hasReport, true);
  const none = list[1];
  assert.equal(none.diverged, true);
  assert.equal(none.divergedAtStep, 2);
  // broken summary.json: listed, with a warning, steps counted from the log
  const broken = list[2];
  assert.equal(broken.steps, 1);
  assert.match(String(broken.warning), /summary\.json is not valid JSON/);
  // still writing: no summary; steps = complete lines so far (3 newlines)
  const live = list[3];
  assert.equal(live.finished, false);
  assert.equal(live.diverged, null);
  assert.equal(live.steps, 3);
});

test('listRuns: the runs folder itself can be a run (id ".")', () => {
  const list = listRuns(join(runs, 'a'));
  assert.equal(list.length, 1);
  assert.equal(list[0].id, '.');
  assert.equal(list[0].name, 'a');
});

test('GET /api/steps: malformed line skipped with a warning naming it; a half-written last line is held back', async () => {
  const r = await getJson<{ steps: Array<{ step: number }>; warnings: string[]; next: { offset: number; line: number }; pendingBytes: number; finished: boolean }>(
    '/api/steps?run=live',
  );
  assert.deepEqual(r.steps.map((s) => s.step), [1, 2]);
  assert.equal(r.warnings.length, 1);
  assert.match(r.warnings[0], /^line 3: not valid JSON/);
  assert.equal(r.finished, false);
  assert.equal(r.pendingBytes, 20); // the cut line is not consumed
  assert.equal(r.next.line, 3);
  // the writer finishes line 4 and writes line 5, then a bad line 6
  appendFileSync(join(runs, 'live', 'steps.jsonl'), line(4, 0.2, 1).slice(20) + line(5, 0.1, 1) + 'not json\n');
  const r2 = await getJson<{ steps: Array<{ step: number }>; warnings: string[]; next: { offset: number; line: number }; pendingBytes: number }>(
    `/api/steps?run=live&offset=${r.next.offset}&line=${r.next.line}`,
  );
  assert.deepEqual(r2.steps.map((s) => s.step), [4, 5]);
  assert.deepEqual(r2.warnings.length, 1);
  assert.match(r2.warnings[0], /^line 6: not valid JSON/);
  assert.equal(r2.pendingBytes, 0);
  assert.equal(r2.next.line, 6);
});

test('GET /api/steps keeps NaN / Infinity as the contract strings and returns summary.json', async () => {
  const r = await getJson<{ steps: Array<{ loss: unknown; preClipNorm: unknown }>; summary: { diverged: boolean }; finished: boolean }>('/api/steps?run=cmp%2Fnone');
  assert.equal(r.steps[1].loss, 'Infinity');
  assert.equal(r.steps[1].preClipNorm, 'NaN');
  assert.equal(r.finished, true);
  assert.equal(r.summary.diverged, true);
});

test('GET /api/steps: bad parameters are 400 with the parameter named', async () => {
  const r = await rawGet('/api/steps?run=a&offset=-3');
  assert.equal(r.status, 400);
  assert.match(r.body, /offset must be an integer >= 0, got \\"-3\\"/);
  const r2 = await rawGet('/api/steps');
  assert.equal(r2.status, 400);
  assert.match(r2.body, /missing query parameter \\"run\\"/);
  const r3 = await rawGet('/api/steps?run=nope');
  assert.equal(r3.status, 404);
});

test('readStepsChunk: a finished run reports a cut last line; an offset past the end restarts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gradclip-chunk-'));
  try {
    const f = join(dir, 'steps.jsonl');
    writeFileSync(f, line(1, 1, 1) + line(2, 1, 1).slice(0, 10));
    const held = readStepsChunk(f, { offset: 0, line: 0 }, false);
    assert.equal(held.steps.length, 1);
    assert.deepEqual(held.warnings, []);
    const fin = readStepsChunk(f, held.next, true);
    assert.equal(fin.steps.length, 0);
    assert.equal(fin.warnings.length, 1);
    assert.match(fin.warnings[0], /^line 2: incomplete last line/);
    assert.equal(fin.pendingBytes, 0);
    // complete object without its newline at the end of a finished run: accepted
    writeFileSync(f, line(1, 1, 1) + line(2, 1, 1).trimEnd());
    assert.deepEqual(readStepsChunk(f, { offset: 0, line: 0 }, true).steps.map((s) => s.step), [1, 2]);
    const reset = readStepsChunk(f, { offset: 10_000, line: 50 }, true);
    assert.equal(reset.reset, true);
    assert.equal(reset.steps.length, 2);
    // chunk limit: the reply stops at a line boundary and says there is more
    writeFileSync(f, line(1, 1, 1) + line(2, 1, 1) + line(3, 1, 1));
    const small = readStepsChunk(f, { offset: 0, line: 0 }, true, line(1, 1, 1).length + 5);
    assert.deepEqual(small.steps.map((s) => s.step), [1]);
    assert.equal(small.more, true);
    assert.throws(() => readStepsChunk(f, { offset: 1.5, line: 0 }, true), /offset must be an integer >= 0, got 1.5/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('path traversal is refused in every encoding, and nothing outside is ever sent', async () => {
  const attempts = [
    '/files/../outside/secret.txt',
    '/files/a/../../outside/secret.txt',
    '/files/%2e%2e/outside/secret.txt',
    '/files/%2E%2E/outside/secret.txt',
    '/files/..%2foutside%2fsecret.txt',
    '/files/..%2Foutside%2Fsecret.txt',
    '/files/%2e%2e%2f%2e%2e%2foutside%2fsecret.txt',
    '/files/.%2e/outside/secret.txt',
    '/files/..%5coutside%5csecret.txt',
    '/files/..\\outside\\secret.txt',
    `/files/${encodeURIComponent(join(outside, 'secret.txt'))}`,
    `/files/${join(outside, 'secret.txt')}`,
    '/files//etc/passwd',
    '/files/%2fetc%2fpasswd',
    '/files/C:%5cWindows%5cwin.ini',
    '/files/a/leak.txt', // symlink to a file outside
    '/files/evil-dir/secret.txt', // symlinked folder outside
    '/files/a/%00/../../outside/secret.txt',
    '/files/%252e%252e/outside/secret.txt', // double-encoded: decoded once, a literal name
    '/../outside/secret.txt',
    '/%2e%2e/outside/secret.txt',
    '/api/steps?run=..',
    '/api/steps?run=../outside',
    '/api/steps?run=%2e%2e%2foutside',
    `/api/steps?run=${encodeURIComponent(outside)}`,
    '/api/steps?run=evil-dir',
  ];
  for (const p of attempts) {
    const r = await rawGet(p);
    assert.ok(r.status === 403 || r.status === 404 || r.status === 400, `${p} answered ${r.status}`);
    assert.ok(!r.body.includes(SECRET), `${p} leaked the secret`);
  }
  // the explicit traversal forms are 403, not merely "not found"
  for (const p of ['/files/../outside/secret.txt', '/files/%2e%2e/outside/secret.txt', '/files/..%2foutside%2fsecret.txt', '/files/a/leak.txt', '/files/evil-dir/secret.txt', '/api/steps?run=../outside', '/files/%2fetc%2fpasswd']) {
    assert.equal((await rawGet(p)).status, 403, p);
  }
  // and the symlinked folder outside is not listed as a run
  const { runs: list } = await getJson<{ runs: Array<{ id: string }> }>('/api/runs');
  assert.ok(!list.some((r) => r.id.startsWith('evil')));
});

test('files inside the runs folder are served; the dashboard at /', async () => {
  const r = await rawGet('/files/a/report.html');
  assert.equal(r.status, 200);
  assert.match(String(r.headers['content-type']), /^text\/html/);
  assert.equal(r.body, '<!doctype html><title>report</title>');
  const idx = await rawGet('/');
  assert.equal(idx.status, 200);
  assert.equal(idx.body, '<!doctype html><title>dash</title>');
  assert.match(String(idx.headers['content-security-policy']), /default-src 'self'/);
  assert.equal(idx.headers['x-content-type-options'], 'nosniff');
  assert.equal((await rawGet('/nope.js')).status, 404);
  assert.equal((await rawGet('/api/nothing')).status, 404);
});

test('only GET and HEAD; a foreign Host header is refused (DNS rebinding guard)', async () => {
  assert.equal((await rawGet('/api/runs', {}, 'POST')).status, 405);
  assert.equal((await rawGet('/api/runs', {}, 'HEAD')).status, 200);
  const r = await rawGet('/api/runs', { Host: 'evil.example:80' });
  assert.equal(r.status, 403);
  assert.match(r.body, /loopback host/);
  assert.equal((await rawGet('/api/runs', { Host: `localhost:${server.port}` })).status, 200);
  assert.equal((await rawGet('/api/runs', { Host: `[::1]:${server.port}` })).status, 200);
});

test('host helpers', () => {
  for (const h of ['127.0.0.1', 'localhost', '::1', '[::1]', '127.1.2.3']) assert.equal(isLoopbackHost(h), true, h);
  for (const h of ['0.0.0.0', '192.168.1.2', '::', 'example.com', '128.0.0.1']) assert.equal(isLoopbackHost(h), false, h);
  assert.equal(hostHeaderAllowed('127.0.0.1:8080'), true);
  assert.equal(hostHeaderAllowed('127.0.0.1.evil.example'), false);
  assert.equal(hostHeaderAllowed(undefined), false);
});

test('safe-path helpers reject traversal syntax with the reason', () => {
  assert.equal(checkRelativePath('a/./b//c'), 'a/b/c');
  assert.equal(decodeRelativePath('cmp%2Fnone'), 'cmp/none');
  for (const [p, re] of [
    ['../x', /\.\./],
    ['%2e%2e/x', /\.\./],
    ['/etc', /absolute/],
    ['C:/x', /absolute/],
    ['a\\b', /backslash/],
    ['a%00b', /NUL/],
  ] as const) {
    assert.throws(() => decodeRelativePath(p), (e: unknown) => e instanceof PathRefusedError && e.status === 403 && re.test(e.message), p);
  }
  assert.throws(() => decodeRelativePath('%E0%A4%A'), (e: unknown) => e instanceof PathRefusedError && e.status === 400);
});

test('startServer and parsePort reject bad input with the fix named', async () => {
  await assert.rejects(startServer({ runsDir: join(root, 'missing'), port: 0 }), /runs folder ".*missing" does not exist or is not a folder/);
  await assert.rejects(startServer({ runsDir: runs, port: 70000 }), /port must be an integer in \[0, 65535\], got 70000/);
  assert.equal(parsePort('0'), 0);
  assert.equal(parsePort('8080'), 8080);
  assert.throws(() => parsePort('abc'), /--port must be an integer in \[0, 65535\], got "abc"/);
  assert.throws(() => parsePort('65536'), /--port must be an integer in \[0, 65535\], got "65536"/);
  assert.throws(() => parsePort('-1'), /--port must be an integer/);
});

test('without a built dashboard, / explains how to build it and the API still works', async () => {
  const s = await startServer({ runsDir: runs, port: 0, dashboardDir: join(root, 'no-dashboard') });
  try {
    const res = await fetch(s.url);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /npm run build:dashboard/);
    assert.equal((await fetch(`${s.url}api/runs`)).status, 200);
  } finally {
    await s.close();
  }
});
