/**
 * The library runs under a strict page Content-Security-Policy (no
 * `'unsafe-eval'`): nothing in it generates code at run time.
 *
 * - every library source file (src/ minus the app parts: cli, report,
 *   server, tasks, train) is free of `Function(`, `new Function` and `eval(`;
 * - the browser bundle of the whole entry (`src/index.ts`, esbuild, TF.js
 *   external), which also holds every third-party module the library pulls
 *   in, is free of them too (protobufjs used to bring `Function(...)`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { build } from 'esbuild';

const ROOT = join(import.meta.dirname, '..', '..');
const SRC = join(ROOT, 'packages', 'gradclip', 'src');
/** App code, not part of the library (the CLI, its HTML report, the run viewer server, training tasks and runner). */
const APP = ['cli', 'cli.ts', 'report', 'server', 'tasks', 'train'];
const CODEGEN = /\bFunction\s*\(|\beval\s*\(/;

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (dir === SRC && APP.includes(name)) continue;
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (/\.(ts|js|mjs)$/.test(name)) out.push(p);
  }
  return out;
}

test('library sources contain no Function( / new Function / eval(', () => {
  const files = walk(SRC);
  assert.ok(files.some((f) => f.endsWith('tf-event-proto.ts')), 'the TensorBoard codec is among the files scanned');
  assert.ok(files.length > 40, `scanned ${files.length} files`);
  const hits: string[] = [];
  for (const f of files) {
    readFileSync(f, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (CODEGEN.test(line)) hits.push(`${relative(ROOT, f)}:${i + 1}: ${line.trim()}`);
      });
  }
  assert.deepEqual(hits, []);
});

test('the browser bundle of the whole entry, dependencies included, contains no Function( / eval(', async () => {
  const r = await build({
    absWorkingDir: ROOT,
    entryPoints: [join(SRC, 'index.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    external: ['@tensorflow/*'],
    logLevel: 'silent',
    metafile: true,
  });
  const text = r.outputFiles[0].text;
  const hits = text.split('\n').filter((l) => CODEGEN.test(l));
  assert.deepEqual(hits, []);
  // Nothing outside src/ is bundled: the library's only runtime dependencies are its TF.js peers.
  const foreign = Object.keys(r.metafile.inputs).filter((p) => !p.startsWith('packages/gradclip/src/'));
  assert.deepEqual(foreign, []);
});
