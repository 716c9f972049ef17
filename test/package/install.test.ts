/**
 * The packages as a user gets them (issue 10, "What it must show"): both
 * workspace packages are packed with `npm pack` from the built dist/ and
 * installed from the tarballs into fresh folders outside the repo.
 *
 * - Library user: `@tensorflow/tfjs@4.22.0` first, then the gradclip tarball
 *   (at most 3 packages added); an ESM program that clips and trains one
 *   `model.fit` step; `require('gradclip')` from CommonJS; a strict
 *   TypeScript consumer under `moduleResolution` nodenext and node10; a
 *   browser bundle of the installed package (esbuild, tfjs external): gzip
 *   size at most 20 KB, no code generation.
 * - App user: both tarballs at once; `npx gradclip --version`, a short
 *   `train --json`, and `serve` answering with the built dashboard and the run.
 *
 * It needs the npm registry (for tfjs and the CLI's dependencies) and the
 * built packages (`npm run build && npm run build:dashboard`; `npm test` does
 * both first). The figures it measures are printed with console.log.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { installedPackages, killGroup, lastJsonLine, npm, runCommand, tail, userEnv, type CommandResult } from './npm-user.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const LIB_DIR = join(ROOT, 'packages', 'gradclip');
const APP_DIR = join(ROOT, 'packages', 'cli');
const TSC = join(ROOT, 'node_modules', '.bin', 'tsc');
const TFJS = '@tensorflow/tfjs@4.22.0';
const MAX_ADDED = 3;
const MAX_GZIP = 20480;
const MIN = 60_000;

/** Files the packed packages need; all come from the build. */
const BUILT = [
  join(LIB_DIR, 'dist', 'index.js'),
  join(LIB_DIR, 'dist', 'index.d.ts'),
  join(LIB_DIR, 'dist', 'node.js'),
  join(LIB_DIR, 'dist', 'node.d.ts'),
  join(APP_DIR, 'dist', 'cli.js'),
  join(APP_DIR, 'dist', 'dashboard', 'index.html'),
];

const started = Date.now();
const figures: Record<string, unknown> = {};
function record(name: string, value: unknown): void {
  figures[name] = value;
  console.log(`[package] ${name}: ${typeof value === 'string' ? value : JSON.stringify(value)}`);
}

interface Packed {
  name: string;
  version: string;
  filename: string;
  size: number;
  unpackedSize: number;
  entryCount: number;
}

const work = mkdtempSync(join(tmpdir(), 'gradclip-package-'));
const packDir = join(work, 'tarballs');
const libUser = join(work, 'library-user');
const appUser = join(work, 'app-user');
let lib: Packed & { path: string };
let app: Packed & { path: string };
let appInstall: Promise<CommandResult> | undefined;

function newProject(dir: string): Promise<CommandResult> {
  mkdirSync(dir, { recursive: true });
  return npm(dir, ['init', '-y'], 30_000);
}

before(async () => {
  const missing = BUILT.filter((f) => !existsSync(f));
  if (missing.length > 0) {
    throw new Error(`the packages are not built (missing ${missing.map((f) => f.slice(ROOT.length)).join(', ')}): run \`npm run build && npm run build:dashboard\` at the repo root first`);
  }
  mkdirSync(packDir);
  const r = await npm(ROOT, ['pack', '-w', 'gradclip', '-w', 'gradclip-cli', '--pack-destination', packDir, '--json'], 120_000);
  const packed = JSON.parse(r.stdout.slice(r.stdout.indexOf('['))) as Packed[];
  const find = (name: string): Packed & { path: string } => {
    const p = packed.find((x) => x.name === name);
    assert.ok(p, `npm pack made a ${name} tarball (got ${packed.map((x) => x.name).join(', ')})`);
    return { ...p, path: join(packDir, p.filename) };
  };
  lib = find('gradclip');
  app = find('gradclip-cli');
  record('gradclip tarball', `${lib.filename}: ${lib.size} bytes packed, ${lib.unpackedSize} bytes unpacked, ${lib.entryCount} files`);
  record('gradclip-cli tarball', `${app.filename}: ${app.size} bytes packed, ${app.unpackedSize} bytes unpacked, ${app.entryCount} files`);
  // Fail fast, with one message, when the registry does not answer (npm retries each request for about a minute).
  await npm(work, ['view', TFJS, 'version'], 2 * MIN, `npm view ${TFJS} version (a check that the npm registry answers)`);
  // The app user's install (the largest) starts now and runs while the library user's checks run.
  appInstall = newProject(appUser).then(() => npm(appUser, ['install', lib.path, app.path], 4 * MIN, 'npm install <gradclip tarball> <gradclip-cli tarball>'));
  appInstall.catch(() => undefined); // awaited (and reported) by the app user's suite
});

after(async () => {
  await appInstall?.catch(() => undefined);
  rmSync(work, { recursive: true, force: true });
  record('whole test (s)', ((Date.now() - started) / 1000).toFixed(1));
});

describe('library user: npm install @tensorflow/tfjs, then the gradclip tarball', () => {
  let withTfjs: string[];
  let added: string[];

  // The steps below depend on the installs; a failure there fails them all with its message.
  it('adds at most 3 packages to a tfjs project (gradclip itself included)', async () => {
    await newProject(libUser);
    const t0 = Date.now();
    await npm(libUser, ['install', TFJS], 3 * MIN, `npm install ${TFJS}`);
    record('npm install @tensorflow/tfjs@4.22.0 (s)', ((Date.now() - t0) / 1000).toFixed(1));
    withTfjs = installedPackages(libUser);
    await npm(libUser, ['install', lib.path], 2 * MIN, 'npm install <gradclip tarball>');
    const after = installedPackages(libUser);
    added = after.filter((p) => !withTfjs.includes(p));
    record('packages with tfjs alone', withTfjs.length);
    record('packages added by gradclip', `${added.length} (${added.join(', ')})`);
    record('gradclip unpacked size (bytes)', lib.unpackedSize);
    assert.ok(added.includes('node_modules/gradclip'), 'gradclip is installed');
    assert.ok(added.length <= MAX_ADDED, `at most ${MAX_ADDED} packages added, got ${added.length}: ${added.join(', ')}`);
    assert.deepEqual(
      withTfjs.filter((p) => !after.includes(p)),
      [],
      'installing gradclip removes nothing',
    );
    for (const f of ['library-user.mjs', 'library-user.cjs', 'bundle-named.mjs', 'bundle-all.mjs']) copyFileSync(join(FIXTURES, f), join(libUser, f));
  });

  it('ESM: import gradclip and gradclip/node, clip known tensors on cpu, one model.fit step with withClipping', async () => {
    assert.ok(added, 'the library user install failed (see the first test)');
    const r = await runCommand(process.execPath, ['library-user.mjs', join(libUser, 'logs')], { cwd: libUser, timeoutMs: MIN });
    assert.equal(r.code, 0, `node library-user.mjs failed:\n${tail(r.stderr)}`);
    const o = lastJsonLine(r.stdout) as {
      backend: string;
      clip: { totalNorm: number; grads: number[][]; shapes: number[][] };
      isOptimizer: boolean;
      fitLoss: number[];
      kernel: number[];
      bias: number[];
      steps: { step: number; preClipNorm: number; postClipNorm: number; clipCoef: number; clipped: boolean; skipped: boolean; loss: number }[];
    };
    assert.equal(o.backend, 'cpu');
    // clipGradNorm([3, 4], [[12]]), maxNorm 1: norm 13, coef = 1 / (13 + 1e-6) (PyTorch's rule).
    const close = (a: number, b: number, what: string, tol = 1e-6): void => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);
    close(o.clip.totalNorm, 13, 'pre-clip norm');
    const coef = 1 / (13 + 1e-6);
    assert.deepEqual(o.clip.shapes, [[2], [1, 1]]);
    [3, 4, 12].forEach((v, i) => close(o.clip.grads.flat()[i], v * coef, `clipped gradient ${i}`));
    // One SGD step (lr 0.1) on dense(1), kernel 1, bias 0, x = ones[4, 2], y = 0: the prediction is 2,
    // the MSE loss 4, every gradient (2 kernel entries, the bias) is 4, the global norm sqrt(48);
    // globalClipnorm 1 scales them to 4 / sqrt(48) (Keras: t * c / max(n, c)).
    assert.equal(o.isOptimizer, true, 'withClipping returns a tf.Optimizer');
    close(o.fitLoss[0], 4, 'fit loss');
    const g = 4 / Math.sqrt(48);
    o.kernel.forEach((k, i) => close(k, 1 - 0.1 * g, `kernel ${i}`));
    close(o.bias[0], -0.1 * g, 'bias');
    // gradclip/node's writers, fed by gradStatsCallback, wrote the step's statistics.
    assert.equal(o.steps.length, 1, 'steps.jsonl has the one step');
    const s = o.steps[0];
    assert.equal(s.step, 1);
    close(s.preClipNorm, Math.sqrt(48), 'steps.jsonl preClipNorm');
    close(s.postClipNorm, 1, 'steps.jsonl postClipNorm', 1e-5);
    close(s.clipCoef, 1 / Math.sqrt(48), 'steps.jsonl clipCoef', 1e-5);
    assert.equal(s.clipped, true);
    assert.equal(s.skipped, false);
    close(s.loss, 4, 'steps.jsonl loss', 1e-5);
    record('ESM import + clip + model.fit', 'ok (norm 13, fit step matches the hand-computed weights)');
  });

  it("CommonJS: require('gradclip') works on this Node and gives the same functions as import", async () => {
    assert.ok(added, 'the library user install failed (see the first test)');
    const [major, minor] = process.versions.node.split('.').map(Number);
    const requireEsm = (major === 20 && minor >= 19) || (major === 22 && minor >= 12) || major >= 23;
    const r = await runCommand(process.execPath, ['library-user.cjs'], { cwd: libUser, timeoutMs: MIN });
    if (!requireEsm) {
      // Older Node: require() of an ES module is refused; the README says to use import (or Node >= 20.19).
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /ERR_REQUIRE_ESM/);
      record(`require('gradclip') on Node ${process.versions.node}`, 'ERR_REQUIRE_ESM (needs Node >= 20.19 or 22.12)');
      return;
    }
    assert.equal(r.code, 0, `node library-user.cjs failed:\n${tail(r.stderr)}`);
    const o = lastJsonLine(r.stdout) as { totalNorm: number; types: Record<string, string>; keys: number; sameAsImport: boolean; nodeSameAsImport: boolean };
    assert.ok(Math.abs(o.totalNorm - 13) < 1e-5, `norm ${o.totalNorm}`);
    assert.deepEqual(o.types, { clipGradNorm: 'function', withClipping: 'function', openRunWriters: 'function' });
    assert.equal(o.sameAsImport, true, "require('gradclip') and import('gradclip') give the same exports");
    assert.equal(o.nodeSameAsImport, true, "require('gradclip/node') and import('gradclip/node') give the same exports");
    const warnings = r.stderr.split('\n').filter((l) => /Warning/.test(l));
    record(`require('gradclip') on Node ${process.versions.node}`, `ok, ${o.keys} exports, same as import${warnings.length > 0 ? `; stderr: ${warnings.join(' | ')}` : ', no warning'}`);
  });

  /** Type-checks the consumer with `compilerOptions`; errors inside tfjs's own declarations are counted, not failed on. */
  async function typecheck(label: string, files: string[], compilerOptions: Record<string, unknown>): Promise<void> {
    const dir = join(libUser, `ts-${label}`);
    mkdirSync(dir, { recursive: true });
    for (const f of files) copyFileSync(join(FIXTURES, 'consumer.ts'), join(dir, f));
    const options = { strict: true, noEmit: true, target: 'es2022', types: [], skipLibCheck: false, forceConsistentCasingInFileNames: true, ...compilerOptions };
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: options, files }, null, 2));
    const r = await runCommand(TSC, ['-p', join(dir, 'tsconfig.json'), '--pretty', 'false', '--listFiles'], { cwd: libUser, timeoutMs: MIN });
    const errors = r.stdout.split('\n').filter((l) => /: error TS\d+/.test(l));
    const tfjsOwn = errors.filter((l) => l.startsWith('node_modules/@tensorflow/'));
    const ours = errors.filter((l) => !l.startsWith('node_modules/@tensorflow/'));
    assert.deepEqual(ours, [], `tsc (${label}) reports errors in the consumer or in gradclip's declarations:\n${tail(r.stdout, 4000)}`);
    assert.ok(r.code === 0 || tfjsOwn.length > 0, `tsc (${label}) exit ${r.code}:\n${tail(r.stdout + r.stderr)}`);
    // The installed package's declarations were used, for both entries.
    const listed = r.stdout.split('\n').map((l) => l.trim());
    for (const d of ['node_modules/gradclip/dist/index.d.ts', 'node_modules/gradclip/dist/node.d.ts']) {
      assert.ok(listed.some((l) => l.endsWith(`/${d}`)), `tsc (${label}) read ${d}`);
    }
    record(
      `TypeScript ${label}`,
      `ok (${files.join(', ')}: 0 errors in the consumer and gradclip's .d.ts; tfjs 4.22's own .d.ts: ${tfjsOwn.length} errors without skipLibCheck, 0 with it)`,
    );
  }

  it('TypeScript: a strict consumer type-checks with moduleResolution nodenext (.mts and .cts)', async () => {
    assert.ok(added, 'the library user install failed (see the first test)');
    await typecheck('nodenext', ['consumer.mts', 'consumer.cts'], { module: 'nodenext', moduleResolution: 'nodenext' });
  });

  it('TypeScript: a strict consumer type-checks with classic moduleResolution node (node10) and module commonjs', async () => {
    assert.ok(added, 'the library user install failed (see the first test)');
    await typecheck('node10', ['consumer.ts'], { module: 'commonjs', moduleResolution: 'node' });
  });

  describe('browser bundle of the installed package (esbuild, minified, esm, platform browser, @tensorflow/* external)', () => {
    async function bundle(entry: string): Promise<{ code: string; inputs: Record<string, { bytesInOutput: number }> }> {
      const esbuild = await import('esbuild');
      const r = await esbuild.build({
        absWorkingDir: libUser,
        entryPoints: [entry],
        bundle: true,
        minify: true,
        format: 'esm',
        platform: 'browser',
        external: ['@tensorflow/*'],
        write: false,
        metafile: true,
        logLevel: 'silent',
      });
      const out = Object.values(r.metafile.outputs)[0];
      const inputs = Object.keys(out.inputs);
      assert.ok(inputs.some((p) => p.startsWith('node_modules/gradclip/dist/')), `the bundle uses the installed package (inputs: ${inputs.slice(0, 5).join(', ')})`);
      assert.ok(!inputs.some((p) => p.includes('@tensorflow/')), 'tfjs stays external');
      return { code: r.outputFiles[0].text, inputs: out.inputs };
    }

    it("import {clipGradNorm, withClipping} from 'gradclip': gzip at most 20 KB", async () => {
      assert.ok(added, 'the library user install failed (see the first test)');
      const b = await bundle('bundle-named.mjs');
      const min = Buffer.byteLength(b.code);
      const gz = gzipSync(b.code, { level: 9 }).length;
      record('bundle {clipGradNorm, withClipping}', `${min} bytes min (${(min / 1024).toFixed(1)} KB), ${gz} bytes gzip -9 (${(gz / 1024).toFixed(1)} KB); limit ${MAX_GZIP}`);
      const byFolder = new Map<string, number>();
      for (const [p, v] of Object.entries(b.inputs)) {
        const k = p.replace('node_modules/gradclip/dist/', '').split('/').slice(0, 2).join('/');
        byFolder.set(k, (byFolder.get(k) ?? 0) + v.bytesInOutput);
      }
      const top = [...byFolder].sort((x, y) => y[1] - x[1]).slice(0, 8);
      record('bundle {clipGradNorm, withClipping}: largest parts (min bytes)', top.map(([k, v]) => `${k} ${v}`).join(', '));
      assert.ok(gz <= MAX_GZIP, `gzip size ${gz} bytes (${(gz / 1024).toFixed(1)} KB) is above the ${MAX_GZIP}-byte target; min ${min} bytes`);
    });

    it("import * as gc from 'gradclip': no Function(, new Function or eval(", async () => {
      assert.ok(added, 'the library user install failed (see the first test)');
      const b = await bundle('bundle-all.mjs');
      const min = Buffer.byteLength(b.code);
      const gz = gzipSync(b.code, { level: 9 }).length;
      record('bundle import * as gc', `${min} bytes min (${(min / 1024).toFixed(1)} KB), ${gz} bytes gzip -9 (${(gz / 1024).toFixed(1)} KB)`);
      for (const pattern of [/\bFunction\(/, /new Function\b/, /\beval\(/]) {
        const m = pattern.exec(b.code);
        assert.equal(m, null, `the bundle contains ${pattern}: ...${m ? b.code.slice(Math.max(0, m.index - 80), m.index + 80) : ''}...`);
      }
    });
  });
});

describe('app user: npm install <gradclip tarball> <gradclip-cli tarball>', () => {
  const runs = join(appUser, 'runs');
  const npx = (args: string[], timeoutMs: number): Promise<CommandResult> => runCommand('npx', ['--no', '--', 'gradclip', ...args], { cwd: appUser, timeoutMs });
  let installed = false;

  it('installs both tarballs at once (the app depends on gradclip, which comes from the local tarball)', async () => {
    const r = await appInstall;
    assert.ok(r, 'the install started');
    const pkgs = installedPackages(appUser);
    record('app install', `${pkgs.length} packages, ${(r.ms / 1000).toFixed(1)} s`);
    assert.ok(pkgs.includes('node_modules/gradclip') && pkgs.includes('node_modules/gradclip-cli'));
    const lock = JSON.parse(readFileSync(join(appUser, 'package-lock.json'), 'utf8')) as { packages: Record<string, { resolved?: string; version?: string }> };
    assert.equal(lock.packages['node_modules/gradclip'].version, lib.version);
    assert.ok(!pkgs.includes('node_modules/gradclip-cli/node_modules/gradclip'), 'one gradclip (the tarball), not a second copy');
    installed = true;
  });

  it('npx gradclip --version prints the package version', async () => {
    assert.ok(installed, 'the app user install failed (see the first test of this suite)');
    const r = await npx(['--version'], MIN);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), app.version, `--version says ${r.stdout.trim()}, the package is ${app.version}`);
  });

  it('npx gradclip train --json writes a run folder and prints the summary last', async () => {
    assert.ok(installed, 'the app user install failed (see the first test of this suite)');
    const out = join(runs, 'addition-rnn');
    const r = await npx(['train', '--task', 'addition', '--model', 'rnn', '--length', '10', '--steps', '20', '--out', out, '--json'], 2 * MIN);
    assert.equal(r.code, 0, `train failed:\n${tail(r.stderr)}`);
    const s = lastJsonLine(r.stdout);
    assert.equal(s.steps, 20);
    assert.equal(typeof s.finalLoss, 'number');
    const files = readdirSync(out);
    for (const f of ['steps.jsonl', 'summary.json', 'report.html']) assert.ok(files.includes(f), `${f} written (folder has ${files.join(', ')})`);
    assert.equal(readFileSync(join(out, 'steps.jsonl'), 'utf8').trim().split('\n').length, 20);
    record('npx gradclip train (20 steps)', `ok, ${(r.ms / 1000).toFixed(1)} s, backend ${String(s.backend)}`);
  });

  it('npx gradclip serve answers / with the built dashboard and /api/runs with the run', async () => {
    assert.ok(installed, 'the app user install failed (see the first test of this suite)');
    const child = spawn('npx', ['--no', '--', 'gradclip', 'serve', runs, '--port', '0'], { cwd: appUser, env: userEnv(), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`serve printed no URL in 60 s\nstdout: ${stdout}\nstderr: ${tail(stderr)}`)), MIN);
        child.stdout.setEncoding('utf8').on('data', (d: string) => {
          stdout += d;
          const m = /gradclip serve: (http:\/\/\S+)/.exec(stdout);
          if (m) {
            clearTimeout(timer);
            resolve(m[1].replace(/\/$/, ''));
          }
        });
        void exited.then((code) => reject(new Error(`serve exited (${code}) before listening\nstdout: ${stdout}\nstderr: ${tail(stderr)}`)));
      });
      const home = await fetch(`${url}/`);
      assert.equal(home.status, 200);
      const html = await home.text();
      assert.ok(!html.includes('has not been built'), 'the built dashboard, not the "has not been built" page');
      assert.equal(html, readFileSync(join(appUser, 'node_modules', 'gradclip-cli', 'dist', 'dashboard', 'index.html'), 'utf8'), "/ is the installed package's dist/dashboard/index.html");
      assert.equal(html, readFileSync(join(APP_DIR, 'dist', 'dashboard', 'index.html'), 'utf8'), 'the same dashboard as the repo build');
      const script = /<script[^>]+src="\.?\/?(assets\/[^"]+\.js)"/.exec(html);
      assert.ok(script, 'the dashboard page loads a script from assets/');
      const js = await fetch(`${url}/${script[1]}`);
      assert.equal(js.status, 200, `GET /${script[1]}`);
      assert.match(js.headers.get('content-type') ?? '', /javascript/);
      await js.arrayBuffer();
      const api = await fetch(`${url}/api/runs`);
      assert.equal(api.status, 200);
      const body = (await api.json()) as { runs: { id: string; steps: number; finished: boolean; hasReport: boolean }[] };
      const run = body.runs.find((x) => x.id === 'addition-rnn');
      assert.ok(run, `/api/runs lists the run (got ${JSON.stringify(body.runs.map((x) => x.id))})`);
      assert.equal(run.steps, 20);
      assert.equal(run.finished, true);
      assert.equal(run.hasReport, true);
      record('npx gradclip serve', `ok (${url}: dashboard, ${script[1]}, /api/runs with ${body.runs.length} run)`);
    } finally {
      killGroup(child.pid, 'SIGTERM');
      const stopped = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 10_000))]);
      if (!stopped) {
        killGroup(child.pid, 'SIGKILL');
        await exited;
      }
    }
  });
});
