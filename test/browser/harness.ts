/**
 * Browser test harness: bundles a test entry module for the browser with
 * esbuild, serves it (with the tfjs-backend-wasm binaries) from 127.0.0.1 and
 * opens it in Debian's Chromium through playwright-core, with SwiftShader
 * behind WebGL and WebGPU so every TF.js browser backend runs on a machine
 * without a GPU.
 *
 * The entry module talks to tests through globals on `window`: it sets, for
 * example, `window.gradclipTests = { ... }` and a test calls
 * `page.evaluate(() => window.gradclipTests.run())`. An entry that wants the
 * wasm backend calls `setWasmPaths('/')` from `@tensorflow/tfjs-backend-wasm`
 * (the three .wasm files are served at the root). `openPage` resolves once the
 * entry module (including its top-level `await`s) has finished running, and
 * rejects with the error when it threw.
 *
 * With `isolated: true` the page is served with
 * `Cross-Origin-Opener-Policy: same-origin` and
 * `Cross-Origin-Embedder-Policy: require-corp`, so `crossOriginIsolated` is
 * true, `SharedArrayBuffer` exists and tfjs-backend-wasm picks its threaded
 * SIMD build.
 */
import { existsSync, mkdtempSync, copyFileSync, writeFileSync, rmSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve, extname, normalize, sep } from 'node:path';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

const REPO = resolve(import.meta.dirname, '..', '..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const WASM_DIST = join(REPO, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist');
const WASM_FILES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'];

/**
 * Why browser tests are skipped here, or undefined when they run. Without a
 * Chromium binary (at `/usr/bin/chromium`, or `CHROMIUM_PATH`) they are
 * skipped with this reason on a developer machine; under CI (`CI=true`,
 * where .ci/run installs Debian's chromium) a missing browser is a failure
 * instead (the test runs and `openPage` throws).
 */
export const NO_BROWSER: string | undefined =
  !existsSync(CHROMIUM) && process.env.CI !== 'true'
    ? `Chromium not found at ${CHROMIUM}: install Debian's chromium package (apt-get install chromium) or set CHROMIUM_PATH`
    : undefined;

/**
 * The Chromium flags every harness page runs with: no sandbox (root in a
 * container), SwiftShader (CPU) behind ANGLE for WebGL and behind Vulkan for
 * WebGPU, and no background traffic.
 */
export const CHROMIUM_FLAGS: readonly string[] = [
  '--no-sandbox',
  '--disable-dev-shm-usage',
  '--use-gl=angle',
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
  '--enable-unsafe-webgpu',
  '--use-webgpu-adapter=swiftshader',
  '--enable-features=Vulkan',
  '--use-vulkan=swiftshader',
  '--disable-background-networking',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

/** Options of {@link openPage}. */
export interface OpenPageOptions {
  /** Absolute path of the TS/JS module to bundle and run in the page. */
  entry: string;
  /**
   * Serve with `Cross-Origin-Opener-Policy: same-origin` and
   * `Cross-Origin-Embedder-Policy: require-corp` (cross-origin isolation:
   * SharedArrayBuffer, tfjs-wasm's threaded build).
   */
  isolated: boolean;
  /**
   * Milliseconds to wait for the entry module to finish running.
   * @default 60000
   */
  timeoutMs?: number;
}

/** An open harness page. */
export interface BrowserPage {
  /** The playwright page, at {@link BrowserPage.url}, after the entry module ran. */
  page: Page;
  /** The page's URL (`http://127.0.0.1:<port>/`). */
  url: string;
  /**
   * Console errors, page errors (uncaught exceptions), failed requests and
   * HTTP error responses seen so far, in order; a test can assert it is empty or print it.
   */
  errors: string[];
  /** Console warnings seen so far, in order (gradclip's start with `gradclip:`). */
  warnings: string[];
  /** Closes the browser and the server and removes the temporary folders. */
  close(): Promise<void>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8',
};

// Runs the entry and records how it ended; `openPage` waits on this record.
const INDEX_HTML = `<!doctype html>
<html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>gradclip browser test</title></head>
<body><script type="module">
import('/entry.js').then(
  () => { window.__gradclipHarness = { done: true }; },
  (e) => { window.__gradclipHarness = { done: true, error: String(e && e.stack || e) }; },
);
</script></body></html>
`;

function serve(root: string, isolated: boolean): Promise<Server> {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
    const file = normalize(join(root, path === '/' ? 'index.html' : path));
    const headers: Record<string, string> = { 'Cache-Control': 'no-store' };
    if (isolated) {
      headers['Cross-Origin-Opener-Policy'] = 'same-origin';
      headers['Cross-Origin-Embedder-Policy'] = 'require-corp';
    }
    if (!file.startsWith(root + sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { ...headers, 'Content-Type': 'text/plain' });
      res.end('not found');
      return;
    }
    const body = readFileSync(file);
    res.writeHead(200, { ...headers, 'Content-Type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream', 'Content-Length': String(body.length) });
    res.end(body);
  });
  return new Promise((res, rej) => {
    server.once('error', rej);
    server.listen(0, '127.0.0.1', () => res(server));
  });
}

/**
 * Bundles `opts.entry`, serves it and opens it in a fresh headless Chromium
 * (its own temporary profile). Resolves when the entry module has run; rejects
 * (after cleaning up) when Chromium is missing, the bundle fails, the entry
 * throws or it does not finish within `timeoutMs`.
 *
 * @example
 * const bp = await openPage({ entry: join(import.meta.dirname, 'entries/x.ts'), isolated: false });
 * try { assert.equal(await bp.page.evaluate(() => (window as any).gradclipTests.answer()), 42); }
 * finally { await bp.close(); }
 */
export async function openPage(opts: OpenPageOptions): Promise<BrowserPage> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: install Debian's chromium package (apt-get install chromium) or set CHROMIUM_PATH`);
  const root = mkdtempSync(join(tmpdir(), 'gradclip-browser-site-'));
  const profile = mkdtempSync(join(tmpdir(), 'gradclip-browser-profile-'));
  let server: Server | undefined;
  let context: BrowserContext | undefined;
  const close = async (): Promise<void> => {
    await context?.close().catch(() => undefined);
    if (server) await new Promise<void>((res) => server!.close(() => res()));
    server?.closeAllConnections();
    rmSync(root, { recursive: true, force: true });
    rmSync(profile, { recursive: true, force: true });
  };
  try {
    await build({
      entryPoints: [opts.entry],
      outfile: join(root, 'entry.js'),
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      minify: false,
      sourcemap: 'linked',
      logLevel: 'silent',
      absWorkingDir: REPO,
      // 'gradclip' imports (the app's code) resolve to the library's sources, as under tsx
      conditions: ['gradclip-source'],
    });
    writeFileSync(join(root, 'index.html'), INDEX_HTML);
    for (const f of WASM_FILES) copyFileSync(join(WASM_DIST, f), join(root, f));
    server = await serve(root, opts.isolated);
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [...CHROMIUM_FLAGS],
      timeout: timeoutMs,
    });
    const page = context.pages()[0] ?? (await context.newPage());
    const errors: string[] = [];
    const warnings: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`console.error: ${m.text()}`);
      else if (m.type() === 'warning') warnings.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.stack ?? e.message}`));
    page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()} (${r.failure()?.errorText ?? 'unknown'})`));
    page.on('response', (r) => {
      if (r.status() >= 400) errors.push(`HTTP ${r.status()}: ${r.url()}`);
    });
    page.setDefaultTimeout(timeoutMs);
    await page.goto(url, { timeout: timeoutMs });
    await page.waitForFunction(() => (window as unknown as { __gradclipHarness?: { done: boolean } }).__gradclipHarness?.done === true, undefined, { timeout: timeoutMs });
    const err = await page.evaluate(() => (window as unknown as { __gradclipHarness: { error?: string } }).__gradclipHarness.error);
    if (err !== undefined) throw new Error(`the entry module ${opts.entry} threw in the page: ${err}${errors.length ? `\npage errors:\n${errors.join('\n')}` : ''}`);
    return { page, url, errors, warnings, close };
  } catch (e) {
    await close();
    throw e;
  }
}

/**
 * Calls `window.gradclipTests[method](...args)` in the page and returns its (awaited,
 * structured-cloned) result: the usual way a test talks to its entry module. `T` is the
 * entry's interface of test functions.
 *
 * @example
 * const norm = await callEntry<WasmTests, 'totalNorm'>(bp, 'totalNorm', set, 2);
 */
export async function callEntry<T, K extends keyof T & string>(
  bp: BrowserPage,
  method: K,
  ...args: T[K] extends (...a: infer A) => unknown ? A : never
): Promise<T[K] extends (...a: never[]) => infer R ? Awaited<R> : never> {
  return bp.page.evaluate(
    async ([m, a]) => {
      const tests = (window as unknown as { gradclipTests?: Record<string, (...x: unknown[]) => unknown> }).gradclipTests;
      if (!tests || typeof tests[m] !== 'function') throw new Error(`window.gradclipTests.${m} is not a function`);
      return tests[m](...a);
    },
    [method, args as unknown[]] as const,
  ) as never;
}
