// Runs bad-input cases of the built CLI in this one process (test/cli/bad-input.test.ts starts a few of these).
// Input: a JSON file of cases [{ id, argv }]; for each case, main(argv) of packages/cli/dist/cli/main.js runs
// with the working directory set to a fresh empty folder, with stdout and stderr captured.
// Output (stdout, one JSON line): [{ id, code, stdout, stderr, leftBehind: [entries of the case folder] }].
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const [casesFile, workDir] = process.argv.slice(2);
const { main } = await import(resolve('packages/cli/dist/cli/main.js'));
const cases = JSON.parse(readFileSync(casesFile, 'utf8'));
const realOut = process.stdout.write.bind(process.stdout);
const realErr = process.stderr.write.bind(process.stderr);
const startDir = process.cwd();
const results = [];
for (const c of cases) {
  const dir = join(workDir, `case-${c.id}`);
  mkdirSync(dir, { recursive: true });
  process.chdir(dir);
  let stdout = '';
  let stderr = '';
  process.stdout.write = (chunk) => ((stdout += String(chunk)), true);
  process.stderr.write = (chunk) => ((stderr += String(chunk)), true);
  let code;
  try {
    code = await main(c.argv);
  } catch (e) {
    code = -1;
    stderr += `runner: main threw ${e && e.stack}`;
  } finally {
    process.stdout.write = realOut;
    process.stderr.write = realErr;
    process.chdir(startDir);
  }
  results.push({ id: c.id, code, stdout, stderr, leftBehind: readdirSync(dir) });
}
realOut(JSON.stringify(results) + '\n');
