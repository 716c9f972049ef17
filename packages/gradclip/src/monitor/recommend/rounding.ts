/**
 * Rounding of the raw threshold of {@link recommendThreshold} to a value a
 * person would write (`--clip norm:1.5`, not `1.4873`), without ever letting
 * the rounding reach a spike: the threshold must stay below the exploding
 * steps it is there to cap (Pascanu, Mikolov & Bengio 2013, arXiv 1211.5063).
 *
 * @module
 */

import { formatNumber } from '../../core/format.js';
import { ceilSignificant, niceCeil } from '../../core/nice.js';
import type { recommendThreshold } from './index.js';

/** The rounded threshold and the words the rationale uses for how it was rounded. */
export interface RoundedThreshold {
  /** The threshold: `≥ raw` and `<` `minSpike`. */
  threshold: number;
  /** How it was rounded, for the rationale. */
  note: string;
}

/**
 * With `round`: the first human-friendly value `m × 10^k` ≥ `raw`
 * (m ∈ {1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8}) when it is below `minSpike`;
 * else `raw` rounded up to 2 significant digits when that is below
 * `minSpike`; else `raw` itself. Without `round`: `raw`.
 *
 * @param minSpike the smallest spike (`Infinity` when there is none)
 */
export function roundThreshold(raw: number, minSpike: number, round: boolean): RoundedThreshold {
  if (!round) return { threshold: raw, note: 'not rounded (round: false)' };
  const nice = niceCeil(raw);
  if (nice < minSpike) return { threshold: nice, note: `rounded up to the human-friendly ${formatNumber(nice, 6)}` };
  const sig2 = ceilSignificant(raw, 2);
  if (sig2 < minSpike) {
    return {
      threshold: sig2,
      note: `rounded up to 2 significant digits (${formatNumber(sig2, 6)}; ${formatNumber(nice, 6)} would reach a spike)`,
    };
  }
  return { threshold: raw, note: 'left unrounded (rounding up would reach a spike)' };
}
