/**
 * Human formatting of report values beyond plain numbers (those go through
 * `formatNumber` of `gradclip/internal`, which also writes missing values).
 *
 * @module
 */
import { formatNumber } from 'gradclip/internal';

/** Significant digits of the numbers in a report. */
export const REPORT_DIGITS = 4;

/** A fraction as a percentage with up to one decimal (`0.1234` → `12.3%`); missing and non-finite values as {@link formatNumber} writes them. */
export function fmtPercent(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return formatNumber(x);
  return `${Number((x * 100).toFixed(1))}%`;
}

/** Seconds as `850 ms`, `12.3 s`, `4 min 05 s` or `2 h 03 min`; missing, non-finite and negative values as {@link formatNumber} writes them. */
export function fmtSeconds(s: number | null | undefined): string {
  if (s === null || s === undefined || !Number.isFinite(s) || s < 0) return formatNumber(s);
  if (s < 0.9995) return `${Math.round(s * 1000)} ms`;
  if (s < 59.95) return `${Number(s.toFixed(1))} s`;
  if (s < 3599.5) {
    const t = Math.round(s);
    return `${Math.floor(t / 60)} min ${String(t % 60).padStart(2, '0')} s`;
  }
  const t = Math.round(s / 60);
  return `${Math.floor(t / 60)} h ${String(t % 60).padStart(2, '0')} min`;
}

/** A configuration value as text: strings as they are, `(default)` for undefined, JSON for the rest. */
export function fmtConfigValue(v: unknown): string {
  if (v === undefined) return '(default)';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v) ?? String(v);
}
