import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { diagnose, type Cause, type DiagnoseContext, type Diagnosis, type ModelKind } from 'gradclip';
import { COMPARE_FILE, loadRun, readRunStart, readRunSteps, runFile, type LoadedRun } from '../../run-folder/index.js';
import { parseClipSpec } from '../../train/clip-spec.js';
import type { RunConfig } from '../../train/config.js';
import { asUsage } from '../errors.js';

/** The model kinds of the CLI's models as {@link DiagnoseContext} knows them. */
const MODEL_KINDS: Readonly<Record<string, ModelKind>> = { rnn: 'rnn', lstm: 'lstm', gru: 'gru', transformer: 'transformer' };

/**
 * What `gradclip diagnose` tells the diagnosis about a run from its
 * configuration (`config.json`): the model (`cliff` is a one-unit RNN), its
 * layers (a recurrent model is one recurrent layer plus the read-out; a
 * transformer's layers are counted from its variables), residual connections
 * and LayerNorm (the transformer has both), the units' non-linearity (the
 * RNN's `sigmoid` init uses sigmoid units, the others tanh), the sequence
 * length, the optimizer and learning rate, and the clipping (`norm:<t>` and
 * `value:<v>` with their threshold). Fields the configuration does not know
 * (a library log: `unknown`) are left out.
 */
export function diagnoseContextOf(config: Partial<RunConfig> | undefined): DiagnoseContext {
  const c: DiagnoseContext = {};
  if (!config) return c;
  const model = config.task === 'cliff' ? 'rnn' : typeof config.model === 'string' ? MODEL_KINDS[config.model] : undefined;
  if (model !== undefined) {
    c.model = model;
    if (model === 'transformer') {
      c.residual = true;
      c.normalization = true;
    } else {
      c.layers = 2;
      c.residual = false;
      c.normalization = false;
      if (model === 'rnn') c.activation = config.task === 'cliff' || config.init === 'sigmoid' ? 'sigmoid' : 'tanh';
    }
  }
  const length = config.task === 'cliff' ? 50 : config.length;
  if (typeof length === 'number' && Number.isInteger(length) && length >= 1) c.sequenceLength = length;
  if (typeof config.optimizer === 'string' && (config.optimizer as string) !== 'unknown') c.optimizer = config.optimizer;
  if (typeof config.lr === 'number' && Number.isFinite(config.lr) && config.lr > 0) c.learningRate = config.lr;
  if (typeof config.clip === 'string' && config.clip !== 'unknown') {
    try {
      const spec = parseClipSpec(config.clip);
      c.clip = spec.kind;
      if ((spec.kind === 'norm' || spec.kind === 'value') && spec.value !== undefined) c.clipThreshold = spec.value;
    } catch {
      // an unparsable clip spec (an older run): leave the clipping unknown
    }
  }
  return c;
}

/** Whether a run folder's run diverged: its `summary.json`'s `diverged`, else a non-finite loss in its `steps.jsonl`; null when unreadable. */
function runDiverged(dir: string): boolean | null {
  try {
    const summaryPath = runFile(dir, 'summary');
    if (existsSync(summaryPath)) {
      const s = JSON.parse(readFileSync(summaryPath, 'utf8')) as { diverged?: unknown };
      if (typeof s.diverged === 'boolean') return s.diverged;
    }
    if (!existsSync(runFile(dir, 'steps'))) return null;
    return readRunSteps(dir).steps.some((s) => typeof s.loss === 'number' && !Number.isFinite(s.loss));
  } catch {
    return null;
  }
}

/** At most this many sibling folders are looked at for the unclipped baseline. */
const MAX_SIBLINGS = 200;

/**
 * The unclipped baseline of the run in `dir`: a sibling folder (in the same
 * comparison folder, or next to it as `gradclip train`'s default
 * `runs/<task>-<model>-<clip>-seed<seed>` names put them) whose
 * `config.json` is the same configuration with `clip: 'none'`. Returns its
 * folder and whether it diverged, or null when there is none.
 */
export function unclippedSibling(dir: string, config: RunConfig): { dir: string; diverged: boolean } | null {
  if (config.clip === 'none') return null;
  const self = resolve(dir);
  const parent = dirname(self);
  let names: string[];
  try {
    names = readdirSync(parent).slice(0, MAX_SIBLINGS);
  } catch {
    return null;
  }
  const same = (a: RunConfig): boolean => {
    const keys = new Set([...Object.keys(a), ...Object.keys(config)]);
    keys.delete('clip');
    for (const k of keys) if (JSON.stringify((a as unknown as Record<string, unknown>)[k]) !== JSON.stringify((config as unknown as Record<string, unknown>)[k])) return false;
    return true;
  };
  for (const name of names.sort()) {
    const d = join(parent, name);
    if (d === self) continue;
    try {
      if (!statSync(d).isDirectory()) continue;
    } catch {
      continue;
    }
    const start = readRunStart(d);
    if (start === null || start.config.clip !== 'none' || !same(start.config)) continue;
    const diverged = runDiverged(d);
    if (diverged !== null) return { dir: relative(process.cwd(), d) || '.', diverged };
  }
  return null;
}

/** The diagnosis of a loaded run with the context of its configuration and, when found, its unclipped baseline. */
export function diagnoseRun(run: LoadedRun): { diagnosis: Diagnosis; context: DiagnoseContext; baseline: string | null } {
  const start = readRunStart(run.dir);
  const config = start?.config ?? (run.summary.config.model !== 'unknown' ? run.summary.config : undefined);
  const context = diagnoseContextOf(config);
  const sibling = config ? unclippedSibling(run.dir, config) : null;
  if (sibling) context.unclippedDiverged = sibling.diverged;
  return { diagnosis: diagnose(run.steps, {}, context), context, baseline: sibling?.dir ?? null };
}

/** The ranked causes in plain text: one numbered block per cause, its evidence and its fixes. */
export function formatCauses(causes: readonly Cause[]): string[] {
  const out: string[] = [];
  causes.forEach((c, i) => {
    out.push(`  ${i + 1}. ${c.cause} (confidence ${c.confidence.toFixed(2)})`);
    for (const e of c.evidence) out.push(`     evidence: ${e}`);
    for (const f of c.fixes) out.push(`     fix: ${f}`);
  });
  return out;
}

function printDiagnosis(dir: string, run: LoadedRun, d: Diagnosis, baseline: string | null): void {
  const s = run.summary;
  const interrupted = run.incomplete === undefined && s.interrupted === true;
  if (run.incomplete !== undefined) console.log(`run: ${dir} is INCOMPLETE (${run.incomplete}); diagnosing its ${run.steps.length} steps`);
  else if (interrupted) console.log(`run: ${dir} was INTERRUPTED at step ${s.steps} of ${s.config.steps}`);
  console.log(`status: ${d.status}${d.firstEventStep !== null ? ` (from step ${d.firstEventStep})` : ''}${d.flags.length ? ` [${d.flags.join(', ')}]` : ''}`);
  console.log(d.summary);
  const causes = d.causes ?? [];
  if (causes.length) {
    console.log(`\ncauses, most likely first${baseline !== null ? ` (unclipped baseline: ${baseline})` : ''}:`);
    for (const line of formatCauses(causes)) console.log(line);
  }
  if (d.findings.length) {
    console.log('\nfindings:');
    for (const x of d.findings) console.log(`  - ${x.message}`);
  }
  if (d.recommendations.length) {
    console.log('\nrecommendations:');
    for (const r of d.recommendations) console.log(`  - ${r}`);
  }
}

/** The run folders of a comparison folder (its `compare.json`'s `runs` that exist), or null when `dir` is not one. */
function comparisonRuns(dir: string): string[] | null {
  const marker = join(dir, COMPARE_FILE);
  if (existsSync(runFile(dir, 'steps')) || !existsSync(marker)) return null;
  try {
    const c = JSON.parse(readFileSync(marker, 'utf8')) as { runs?: unknown };
    if (!Array.isArray(c.runs)) return null;
    return c.runs.filter((r): r is string => typeof r === 'string').map((r) => join(dir, r)).filter((r) => existsSync(runFile(r, 'steps')));
  } catch {
    return null;
  }
}

/**
 * `gradclip diagnose <dir>`: prints the diagnosis of a run (JSON with --json):
 * the ranked causes (cause, confidence, evidence, fixes) first, then the
 * findings and recommendations. The diagnosis gets the context of the run's
 * `config.json` (model, layers, optimizer, learning rate, clipping; see
 * {@link diagnoseContextOf}) and, when an unclipped sibling run of the same
 * configuration exists (a comparison folder, or `gradclip train`'s default
 * folder names), whether it diverged.
 * Needs only `steps.jsonl`, so it also works on a run still being written, a
 * run that was killed (no `summary.json`: the output says it is incomplete)
 * and on logs written by the library (`openRunWriters` + `gradStatsCallback`).
 * With --json the diagnosis gets `incomplete` (why) or `interrupted: true`
 * when the run did not finish. Given a comparison folder (`compare.json`, no
 * `steps.jsonl`), it diagnoses each of its runs (with --json:
 * `{runs: [{dir, ...diagnosis}]}`).
 */
export async function diagnoseCommand(dir: string, f: { json: boolean }): Promise<number> {
  const runs = comparisonRuns(dir);
  const dirs = runs ?? [dir];
  if (runs && runs.length === 0 && !f.json) console.log(`${dir} is a comparison folder with no runs yet`);
  const results: Record<string, unknown>[] = [];
  for (const [i, d] of dirs.entries()) {
    const run = asUsage(() => loadRun(d, undefined, `write one with "gradclip train --out ${d}" or openRunWriters`));
    for (const w of run.warnings) console.error(`warning: ${w}`);
    const { diagnosis, baseline } = asUsage(() => diagnoseRun(run));
    const interrupted = run.incomplete === undefined && run.summary.interrupted === true;
    if (f.json) {
      const extra = run.incomplete !== undefined ? { incomplete: run.incomplete } : interrupted ? { interrupted: true } : {};
      results.push({ ...(runs ? { dir: d } : {}), ...diagnosis, ...extra });
    } else {
      if (runs) console.log(`${i > 0 ? '\n' : ''}== ${d}`);
      printDiagnosis(d, run, diagnosis, baseline);
    }
  }
  if (f.json) process.stdout.write(JSON.stringify(runs ? { runs: results } : results[0]) + '\n');
  return 0;
}
