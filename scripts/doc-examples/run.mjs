// Runs the examples scripts/check-examples.mjs wrote, one after the other in
// this process (loaded with `node --import tsx`), and writes one result per
// example: {ok, error, stack, output}. Each example starts on the cpu backend,
// in a fresh working folder of its own; its console output is captured.
// Usage: node --import tsx scripts/doc-examples/run.mjs <manifest.json>
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { format } from 'node:util';
import * as tf from '@tensorflow/tfjs';

const EXAMPLE_TIMEOUT_MS = 60_000;
const manifest = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const results = [];
let current = null;

const methods = ['log', 'info', 'warn', 'error', 'debug'];
const original = Object.fromEntries(methods.map((m) => [m, console[m]]));
for (const m of methods) {
  console[m] = (...args) => {
    if (current) current.output += `${format(...args)}\n`;
    else original[m](...args);
  };
}
// An error thrown after the example's promise settled (an un-awaited call) still belongs to it.
const late = (e) => {
  if (current && current.ok) Object.assign(current, describe(e), { ok: false });
};
process.on('unhandledRejection', late);
process.on('uncaughtException', late);

function describe(e) {
  return { error: e instanceof Error ? `${e.name}: ${e.message}` : String(e), stack: e instanceof Error ? String(e.stack) : '' };
}

const save = () => writeFileSync(manifest.results, JSON.stringify(results));

for (const ex of manifest.examples) {
  current = { ok: true, error: null, stack: '', output: '' };
  results.push(current);
  try {
    await tf.setBackend('cpu');
    mkdirSync(ex.cwd, { recursive: true });
    process.chdir(ex.cwd);
    let timer;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${EXAMPLE_TIMEOUT_MS / 1000} s`)), EXAMPLE_TIMEOUT_MS);
    });
    await Promise.race([import(pathToFileURL(ex.path).href), timeout]).finally(() => clearTimeout(timer));
    // Let un-awaited work of the example fail inside its own slot.
    await new Promise((r) => setTimeout(r, 0));
  } catch (e) {
    Object.assign(current, describe(e), { ok: false });
  }
  save();
}
current = null;
save();
process.exit(0);
