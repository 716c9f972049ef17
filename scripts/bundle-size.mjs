#!/usr/bin/env node
// Browser bundle size of the library entry, as an application bundler would
// produce it: esbuild, ESM, minified, TF.js packages external (they are peer
// dependencies). Prints minified and minified+gzip bytes for a few typical
// imports, and the share of third-party code.
// Usage: node scripts/bundle-size.mjs
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CASES = {
  'clipGradNorm, withClipping': `import {clipGradNorm, withClipping} from './packages/gradclip/src/index.ts'; console.log(clipGradNorm, withClipping);`,
  'readTfEvents, encodeTfEvent': `import {readTfEvents, encodeTfEvent} from './packages/gradclip/src/index.ts'; console.log(readTfEvents, encodeTfEvent);`,
  'whole entry': `export * from './packages/gradclip/src/index.ts';`,
};

console.log('import'.padEnd(30), 'min B'.padStart(8), 'min+gzip B'.padStart(11), 'third-party B'.padStart(14));
for (const [name, contents] of Object.entries(CASES)) {
  const r = await build({
    stdin: { contents, resolveDir: ROOT, sourcefile: 'entry.ts', loader: 'ts' },
    absWorkingDir: ROOT,
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    external: ['@tensorflow/*'],
    metafile: true,
    logLevel: 'silent',
  });
  const out = r.outputFiles[0].contents;
  const inputs = Object.values(r.metafile.outputs)[0].inputs;
  const thirdParty = Object.entries(inputs)
    .filter(([p]) => p.includes('node_modules/'))
    .reduce((n, [, v]) => n + v.bytesInOutput, 0);
  console.log(name.padEnd(30), String(out.length).padStart(8), String(gzipSync(out, { level: 9 }).length).padStart(11), String(thirdParty).padStart(14));
}
