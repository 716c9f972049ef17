/**
 * The controls of the live page: reading them into run configurations
 * (validated by the library's own `resolveRunConfig` / `parseClipSpec`, so
 * the messages are the CLI's), and the per-method threshold field.
 */
import { experiments } from './lib.js';
import type { BackendChoice } from './backend.js';

/** Clipping methods offered, with the meaning and default of their parameter. */
export const CLIP_METHODS = {
  none: { label: 'no clipping', param: '', value: 0 },
  norm: { label: 'global norm (Pascanu et al. 2013)', param: 'max norm', value: 1 },
  value: { label: 'element value', param: 'clip value', value: 0.1 },
  autoclip: { label: 'AutoClip (Seetharaman et al. 2020)', param: 'percentile', value: 10 },
  agc: { label: 'AGC (Brock et al. 2021)', param: 'λ (clipping)', value: 0.01 },
  zclip: { label: 'ZClip (Kumar et al. 2025)', param: 'z threshold', value: 2.5 },
  adagc: { label: 'AdaGC (Wang et al. 2025)', param: 'λ_rel', value: 1.05 },
} as const;
/** A key of {@link CLIP_METHODS}. */
export type ClipMethod = keyof typeof CLIP_METHODS;

/** The clip spec text for a method and parameter (`none`, `norm:1`, ...). */
export function clipSpecText(method: ClipMethod, value: number): string {
  return method === 'none' ? 'none' : `${method}:${value}`;
}

/** What the form produces. */
export interface LiveSettings {
  backend: BackendChoice;
  /** Shared configuration (clip left out). */
  base: Partial<experiments.RunConfig>;
  /** Clip spec of the left and right run. */
  clips: [string, string];
}

function input(id: string): HTMLInputElement | HTMLSelectElement {
  const e = document.getElementById(id);
  if (!(e instanceof HTMLInputElement) && !(e instanceof HTMLSelectElement)) throw new Error(`dashboard: control #${id} is missing`);
  return e;
}

function num(id: string, label: string): number {
  const raw = input(id).value.trim();
  const n = Number(raw);
  if (raw === '' || !Number.isFinite(n)) throw new Error(`${label} must be a number, got "${raw}"`);
  return n;
}

/** Fills the task / model selects from the library's lists. */
export function populateChoices(): void {
  const task = input('task') as HTMLSelectElement;
  if (task.options.length === 0) for (const t of experiments.RUN_TASKS) task.add(new Option(t, t, t === 'addition', t === 'addition'));
  const opt = input('optimizer') as HTMLSelectElement;
  if (opt.options.length === 0) for (const o of experiments.OPTIMIZER_NAMES) opt.add(new Option(o, o, o === 'sgd', o === 'sgd'));
  for (const side of ['left', 'right'] as const) {
    const sel = input(`${side}-clip`) as HTMLSelectElement;
    const initial = side === 'left' ? 'none' : 'norm';
    if (sel.options.length === 0) for (const [k, v] of Object.entries(CLIP_METHODS)) sel.add(new Option(v.label, k, k === initial, k === initial));
  }
}

/** Updates a side's threshold field for its method (label, default value, disabled for `none`). */
export function syncClipParam(side: 'left' | 'right', setDefault: boolean): void {
  const method = input(`${side}-clip`).value as ClipMethod;
  const m = CLIP_METHODS[method];
  const field = input(`${side}-param`) as HTMLInputElement;
  const label = document.querySelector(`label[for="${side}-param"]`);
  if (label) label.textContent = m.param === '' ? 'threshold' : m.param;
  field.disabled = method === 'none';
  if (setDefault) field.value = method === 'none' ? '' : String(m.value);
}

/**
 * The gradient-flow field (`--flow-every`): disabled for the transformer,
 * which has no recurrent state to measure (its runs record no flow).
 */
export function syncFlowField(): void {
  const field = input('flow-every') as HTMLInputElement;
  const transformer = input('model').value === 'transformer';
  field.disabled = transformer;
  field.title = transformer ? 'the transformer has no recurrent state: gradient flow through time is measured for rnn, lstm and gru' : '';
}

/** Reads and validates the form; throws an Error naming the field and the fix. */
export function readSettings(): LiveSettings {
  const init = input('init').value.trim();
  const base: Partial<experiments.RunConfig> = {
    task: input('task').value,
    model: input('model').value,
    optimizer: input('optimizer').value as experiments.OptimizerName,
    lr: num('lr', 'learning rate'),
    length: num('length', 'sequence length'),
    batch: num('batch', 'batch size'),
    hidden: num('hidden', 'hidden units'),
    steps: num('steps', 'steps'),
    seed: num('seed', 'seed'),
    evalSize: 200,
    flowEvery: (input('flow-every') as HTMLInputElement).disabled ? 0 : num('flow-every', 'gradient flow every'),
  };
  if (init !== '' && init !== 'default') base.init = init;
  const clips = (['left', 'right'] as const).map((side) => {
    const method = input(`${side}-clip`).value as ClipMethod;
    const spec = clipSpecText(method, method === 'none' ? 0 : num(`${side}-param`, `${side} run ${CLIP_METHODS[method].param}`));
    experiments.parseClipSpec(spec);
    return spec;
  }) as [string, string];
  experiments.resolveRunConfig({ ...base, clip: clips[0] });
  return { backend: input('backend').value as BackendChoice, base, clips };
}
