import { it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

it('the README quickstart example runs and prints the step statistics', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'packages/gradclip/examples/quickstart.ts'], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /pre-clip norm \d+\.\d{3}/);
  assert.match(r.stdout, /preClipNorm: \d/);
  assert.match(r.stdout, /clipped: (true|false)/);
  assert.match(r.stdout, /step 1, skipped 0/);
});
