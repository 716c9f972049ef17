/**
 * The `monitor()` transform: measures the gradients without changing them.
 */
import { registerTransform } from './registry.js';
import type { GradientTransformation, TransformResult } from './types.js';
import { GradclipArgumentError, requireState } from '../core/errors.js';
import { globalNormOf, layerAndGlobalNorms, requireFloatUpdates } from './internal.js';
import { checkOptions } from '../core/options.js';

/** Options of {@link monitor}. */
export interface MonitorOptions {
  /** Also report the L2 norm of every variable's gradient in `info.layerNorms`. @default true */
  layerNorms?: boolean;
}

/** State of {@link monitor}: it keeps nothing, so an empty record. */
export type MonitorState = Readonly<Record<string, never>>;

const FN = 'transforms.monitor';

/**
 * A pass-through transform that reports, for the gradients as it receives
 * them (put it first in a chain to see the pre-clip values):
 *
 * - `info.preClipNorm` = `||g||_2 = sqrt(Σ_i ||g_i||_2²)` (`tf.linalg.global_norm`)
 * - `info.layerNorms[name]` = `||g_name||_2` for every variable (with `layerNorms`)
 *
 * The gradients come back as the very same tensors. All measurements are
 * fresh scalars on the device (no host sync); the caller owns and disposes
 * them (the `withTransforms` wrapper turns them into StepStats, reading them
 * to the host in batches; see `gradStatsCallback`). The post-clip norm,
 * coefficient and clip rate come from the clipping transforms later in the chain.
 *
 * @example
 * ```ts
 * const t = transforms.chain(transforms.monitor(), transforms.clipByGlobalNorm(1));
 * ```
 */
export function monitor(opts: MonitorOptions = {}): GradientTransformation<MonitorState> {
  const options = checkOptions<MonitorOptions>(FN, opts, { layerNorms: 'checked' });
  const withLayers = options.layerNorms ?? true;
  if (typeof withLayers !== 'boolean') {
    throw new GradclipArgumentError(`${FN}: layerNorms must be true or false, got ${typeof withLayers}`);
  }
  return {
    name: 'monitor',
    measuresOnly: true,
    spec: { type: 'monitor', args: [{ layerNorms: withLayers }] },
    init(): MonitorState {
      return {};
    },
    update(updates, state): TransformResult<MonitorState> {
      requireFloatUpdates(FN, updates);
      requireState(FN, typeof state === 'object' && state !== null);
      if (!withLayers) {
        return { updates: { ...updates }, state: {}, info: { preClipNorm: globalNormOf(FN, updates) } };
      }
      const { layers, global } = layerAndGlobalNorms(FN, updates);
      return { updates: { ...updates }, state: {}, info: { preClipNorm: global, layerNorms: layers } };
    },
  };
}

registerTransform('monitor', monitor);
