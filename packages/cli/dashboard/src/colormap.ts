/**
 * Colour scales of the dashboard's heat maps (pure, no DOM): viridis (van
 * der Walt and Smith's perceptually uniform map, matplotlib's default, the
 * report's Vega `viridis` scheme) and a grey ramp, as CSS colours and RGB
 * triples.
 */

/** Ten evenly spaced stops of viridis, from low to high. */
const VIRIDIS = ['#440154', '#482878', '#3e4989', '#31688e', '#26828e', '#1f9e89', '#35b779', '#6ece58', '#b5de2b', '#fde725'];

function hexRgb(h: string): [number, number, number] {
  return [parseInt(h.slice(1, 3), 16), parseInt(h.slice(3, 5), 16), parseInt(h.slice(5, 7), 16)];
}

const STOPS = VIRIDIS.map(hexRgb);

/** Viridis at `f` in [0, 1] (clamped), as RGB. */
export function viridisRgb(f: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, Number.isFinite(f) ? f : 0)) * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(x));
  const u = x - i;
  const a = STOPS[i];
  const b = STOPS[i + 1];
  return [Math.round(a[0] + (b[0] - a[0]) * u), Math.round(a[1] + (b[1] - a[1]) * u), Math.round(a[2] + (b[2] - a[2]) * u)];
}

/** Viridis at `f` as a CSS colour. */
export function viridis(f: number): string {
  const [r, g, b] = viridisRgb(f);
  return `rgb(${r},${g},${b})`;
}

/** A CSS `linear-gradient` of viridis from left (low) to right (high), for legends. */
export function viridisGradient(): string {
  return `linear-gradient(to right, ${VIRIDIS.join(', ')})`;
}

/** Grey at `f` in [0, 1]: 0 light (#f0f0f0), 1 dark (#202020), as RGB. */
export function greyRgb(f: number): [number, number, number] {
  const v = Math.round(240 - 208 * Math.min(1, Math.max(0, Number.isFinite(f) ? f : 0)));
  return [v, v, v];
}

/** Colour of cells with only zero norms (the report's colour). */
export const ZERO_COLOR = '#c8ccd1';
/** Colour of cells with a NaN/Inf norm (the report's colour). */
export const NON_FINITE_COLOR = '#d62728';
