import { GradclipArgumentError, requireStepRecord } from './errors.js';

/**
 * The per-step statistics record that every part of gradclip exchanges: the
 * optimizer wrappers produce it, the writers persist it, `diagnose` and
 * `calibrate` read it, and the CLI and dashboard chart it.
 *
 * Non-finite numbers are legal values (a diverging run produces them); in JSON
 * they are written as the strings `"NaN"`, `"Infinity"` and `"-Infinity"`
 * (see {@link encodeStepStats} / {@link decodeStepStats}).
 */
export interface StepStats {
  /** 1-based optimizer step index. */
  step: number;
  /** Training loss of the step, or `null` when it was not reported. */
  loss: number | null;
  /** Global L2 norm of all gradients before any transform, `||g||_2`. */
  preClipNorm: number | null;
  /** Global L2 norm after the transforms (what the optimizer received). */
  postClipNorm: number | null;
  /** Effective scale applied, `postClipNorm / preClipNorm` for norm clipping (1 when nothing fired). */
  clipCoef: number | null;
  /** True when a clipping transform changed the gradients on this step. */
  clipped: boolean;
  /**
   * True when no update was applied (weights and optimizer state untouched):
   * a guard skipped it, or, with {@link StepStats.accumulated}, the step was
   * a gradient-accumulation micro-step. Skipped steps are in neither count of
   * the clip rate (clipped / applied steps).
   */
  skipped: boolean;
  /**
   * True on a micro-step of `transforms.accumulate(k)`: the gradients were
   * added to the running sum and no update was emitted (k − 1 of every k
   * steps). Such a record also has `skipped: true`, `clipped: false` and null
   * norms (the norms describe applied updates; the emitting step reports the
   * accumulated gradient's), and the counts of skipped steps (`diagnose`,
   * `summary.json`) leave it out: they count a guard's skips. Absent on
   * every other step (and in records written before it existed).
   */
  accumulated?: boolean;
  /** Per-variable L2 norms of the pre-clip gradients, keyed by variable name. */
  layerNorms?: Record<string, number>;
  /**
   * Set on the step that triggered a rollback of `withRecovery`: the
   * variables and optimizer state were restored to the snapshot taken after
   * step `toStep`, so the updates of steps `toStep + 1 .. step` (this one
   * included, `lostSteps` of them) were dropped. Their records stay in the
   * stream as they were. Absent on every other step.
   */
  recovered?: RecoveryEvent;
  /**
   * Gradient flow through time of a recurrent model, measured on this step
   * (every `--flow-every` steps in the CLI, or by the user with
   * `gradientFlow`): how strongly the loss's gradient reaches each time step.
   * Absent on every other step.
   */
  flow?: GradientFlow;
  /** Wall-clock time of the step in milliseconds since the epoch. */
  time?: number;
}

/** What made `withRecovery` roll back: a non-finite loss or gradient norm, or a spike of the loss or of the gradient norm. */
export type RecoveryTrigger = 'nonfinite' | 'lossSpike' | 'gradSpike';

/** A rollback of `withRecovery`, recorded in {@link StepStats.recovered}. */
export interface RecoveryEvent {
  /** The step after which the restored snapshot was taken (0: before the first step). */
  toStep: number;
  /** Steps whose updates were dropped, `step − toStep` (the triggering step included). */
  lostSteps: number;
  /** Which check fired. */
  trigger: RecoveryTrigger;
}

/**
 * The gradient flow through time of one step (Pascanu, Mikolov & Bengio 2013,
 * arXiv 1211.5063, section 2): backpropagation through time multiplies the
 * state-to-state Jacobians, `∂L/∂h_t = J_{t+1}ᵀ ··· J_Tᵀ ∂L/∂h_T`, so with
 * `‖J‖ > 1` the signal grows about `‖J‖^(T−t)` on its way back.
 */
export interface GradientFlow {
  /**
   * `timeNorms[t − 1] = ‖∂L/∂h_t‖₂` for t = 1..T, in time order: the total
   * derivative of the loss with respect to the hidden state at step t
   * (through every later step), summed over the batch.
   */
  timeNorms: number[];
  /**
   * The fitted growth factor per time step backward: `exp(−slope)` of the
   * least-squares line through `(t, ln timeNorms[t − 1])` over the positive
   * finite norms. Above 1 the gradient grows going back in time
   * (exploding), below 1 it shrinks (vanishing). `null` when fewer than two
   * norms are positive and finite.
   */
  growth: number | null;
  /**
   * Largest singular value of the state-to-state matrix: the recurrent
   * weight matrix of a tanh RNN, the mean state-to-state Jacobian of a gated
   * cell. Absent when not measured.
   */
  spectralNorm?: number;
  /** Largest eigenvalue modulus of the same matrix. Absent when not measured. */
  spectralRadius?: number;
}

/** The JSON form of a {@link GradientFlow} (non-finite numbers as strings). */
export interface EncodedGradientFlow {
  /** {@link GradientFlow.timeNorms}, each encoded with {@link JsonNumber}. */
  timeNorms: JsonNumber[];
  /** {@link GradientFlow.growth}, encoded with {@link JsonNumber}. */
  growth: JsonNumber | null;
  /** {@link GradientFlow.spectralNorm}, encoded with {@link JsonNumber}. */
  spectralNorm?: JsonNumber;
  /** {@link GradientFlow.spectralRadius}, encoded with {@link JsonNumber}. */
  spectralRadius?: JsonNumber;
}

const TRIGGERS: readonly string[] = ['nonfinite', 'lossSpike', 'gradSpike'];

/** JSON-safe form of a number: finite numbers stay numbers, the rest become strings. */
export type JsonNumber = number | 'NaN' | 'Infinity' | '-Infinity';

/** Encodes a number so that `JSON.stringify` keeps NaN and infinities (it would write `null`). */
export function encodeNumber(x: number): JsonNumber {
  if (Number.isFinite(x)) return x;
  if (Number.isNaN(x)) return 'NaN';
  return x > 0 ? 'Infinity' : '-Infinity';
}

/** Inverse of {@link encodeNumber}; also accepts plain numbers and `null`. */
export function decodeNumber(x: unknown): number | null {
  if (x === null || x === undefined) return null;
  if (typeof x === 'number') return x;
  if (x === 'NaN') return Number.NaN;
  if (x === 'Infinity') return Number.POSITIVE_INFINITY;
  if (x === '-Infinity') return Number.NEGATIVE_INFINITY;
  throw new GradclipArgumentError(`decodeNumber: expected a number or "NaN"/"Infinity"/"-Infinity", got ${JSON.stringify(x)}`);
}

function encodeNullable(x: number | null): JsonNumber | null {
  return x === null ? null : encodeNumber(x);
}

/** A StepStats record as written to JSON (non-finite numbers as strings). */
export type EncodedStepStats = Omit<StepStats, 'loss' | 'preClipNorm' | 'postClipNorm' | 'clipCoef' | 'layerNorms' | 'flow'> & {
  /** {@link StepStats.loss}, encoded with {@link JsonNumber}. */
  loss: JsonNumber | null;
  /** {@link StepStats.preClipNorm}, encoded with {@link JsonNumber}. */
  preClipNorm: JsonNumber | null;
  /** {@link StepStats.postClipNorm}, encoded with {@link JsonNumber}. */
  postClipNorm: JsonNumber | null;
  /** {@link StepStats.clipCoef}, encoded with {@link JsonNumber}. */
  clipCoef: JsonNumber | null;
  /** {@link StepStats.layerNorms}, each norm encoded with {@link JsonNumber}. */
  layerNorms?: Record<string, JsonNumber>;
  /** {@link StepStats.flow}, its numbers encoded with {@link JsonNumber}. */
  flow?: EncodedGradientFlow;
};

/** Converts a record to its JSON-safe form (one line of `steps.jsonl`). */
export function encodeStepStats(s: StepStats): EncodedStepStats {
  requireStepRecord('encodeStepStats', 'stats', s);
  const out: EncodedStepStats = {
    step: s.step,
    loss: encodeNullable(s.loss),
    preClipNorm: encodeNullable(s.preClipNorm),
    postClipNorm: encodeNullable(s.postClipNorm),
    clipCoef: encodeNullable(s.clipCoef),
    clipped: s.clipped,
    skipped: s.skipped,
  };
  if (s.accumulated === true) out.accumulated = true;
  if (s.recovered !== undefined) out.recovered = { ...s.recovered };
  if (s.layerNorms) {
    // fromEntries defines own properties, so a layer named "__proto__" stays an ordinary key.
    out.layerNorms = Object.fromEntries(Object.entries(s.layerNorms).map(([k, v]) => [k, encodeNumber(v)]));
  }
  if (s.flow !== undefined) out.flow = encodeFlow(s.flow);
  if (s.time !== undefined) out.time = s.time;
  return out;
}

function encodeFlow(f: GradientFlow): EncodedGradientFlow {
  const out: EncodedGradientFlow = { timeNorms: f.timeNorms.map(encodeNumber), growth: encodeNullable(f.growth) };
  if (f.spectralNorm !== undefined) out.spectralNorm = encodeNumber(f.spectralNorm);
  if (f.spectralRadius !== undefined) out.spectralRadius = encodeNumber(f.spectralRadius);
  return out;
}

/**
 * Parses one decoded JSON object back into a {@link StepStats}; throws with
 * the offending field named when the object is not a step record.
 */
export function decodeStepStats(o: unknown): StepStats {
  if (typeof o !== 'object' || o === null) throw new GradclipArgumentError('decodeStepStats: expected an object');
  const r = o as Record<string, unknown>;
  if (typeof r.step !== 'number' || !Number.isInteger(r.step)) {
    throw new GradclipArgumentError('decodeStepStats: field "step" must be an integer');
  }
  const out: StepStats = {
    step: r.step,
    loss: decodeNumber(r.loss),
    preClipNorm: decodeNumber(r.preClipNorm),
    postClipNorm: decodeNumber(r.postClipNorm),
    clipCoef: decodeNumber(r.clipCoef),
    clipped: r.clipped === true,
    skipped: r.skipped === true,
  };
  if (r.accumulated === true) out.accumulated = true;
  if (r.recovered !== undefined && r.recovered !== null) out.recovered = decodeRecovery(r.recovered);
  if (r.layerNorms !== undefined && r.layerNorms !== null) {
    if (typeof r.layerNorms !== 'object') throw new GradclipArgumentError('decodeStepStats: field "layerNorms" must be an object');
    const entries: Array<[string, number]> = [];
    for (const [k, v] of Object.entries(r.layerNorms as Record<string, unknown>)) {
      const d = decodeNumber(v);
      if (d !== null) entries.push([k, d]);
    }
    out.layerNorms = Object.fromEntries(entries);
  }
  if (r.flow !== undefined && r.flow !== null) out.flow = decodeFlow(r.flow);
  if (typeof r.time === 'number') out.time = r.time;
  return out;
}

function decodeFlow(v: unknown): GradientFlow {
  const bad = (why: string): never => {
    throw new GradclipArgumentError(`decodeStepStats: field "flow" must be {timeNorms: number[], growth: number | null, spectralNorm?, spectralRadius?}: ${why}`);
  };
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return bad('not an object');
  const r = v as Record<string, unknown>;
  if (!Array.isArray(r.timeNorms)) return bad('timeNorms is not an array');
  const timeNorms = r.timeNorms.map((x) => decodeNumber(x) ?? bad('timeNorms holds a null'));
  const out: GradientFlow = { timeNorms, growth: decodeNumber(r.growth) };
  const sn = decodeNumber(r.spectralNorm);
  if (sn !== null) out.spectralNorm = sn;
  const sr = decodeNumber(r.spectralRadius);
  if (sr !== null) out.spectralRadius = sr;
  return out;
}

function decodeRecovery(v: unknown): RecoveryEvent {
  const r = v as Partial<Record<keyof RecoveryEvent, unknown>> | null;
  const count = (x: unknown): boolean => typeof x === 'number' && Number.isInteger(x) && x >= 0;
  if (typeof r !== 'object' || r === null || !count(r.toStep) || !count(r.lostSteps) || typeof r.trigger !== 'string' || !TRIGGERS.includes(r.trigger)) {
    throw new GradclipArgumentError(
      `decodeStepStats: field "recovered" must be {toStep, lostSteps, trigger} with integer steps >= 0 and trigger one of ${TRIGGERS.join(', ')}`,
    );
  }
  return { toStep: r.toStep as number, lostSteps: r.lostSteps as number, trigger: r.trigger as RecoveryTrigger };
}
