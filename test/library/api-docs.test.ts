/**
 * The API reference builds: TypeDoc over the library entries (typedoc.config.mjs)
 * with every export documented, every {@link} resolved and every referenced
 * type exported, warnings treated as errors. Written to a temporary folder so
 * the test leaves docs/api/ alone (`npm run docs` writes that).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

const ROOT = join(import.meta.dirname, '..', '..');

test('TypeDoc builds the API reference of gradclip and gradclip/node with no warning', () => {
  const out = mkdtempSync(join(tmpdir(), 'gradclip-api-'));
  try {
    const r = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typedoc', 'bin', 'typedoc'), '--out', out, '--logLevel', 'Warn'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    });
    const log = `${r.stdout}${r.stderr}`;
    assert.equal(r.status, 0, `typedoc failed (status ${r.status}):\n${log}`);
    assert.doesNotMatch(log, /\[(warning|error)\]/, log);
    for (const page of ['index.html', 'modules/gradclip.html', 'modules/gradclip_node.html', 'modules/gradclip.transforms.html']) {
      assert.ok(existsSync(join(out, page)), `${page} was not generated`);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
