/**
 * Terminal output helpers. Numbers are written by `formatNumber` of
 * `gradclip/internal` (the one formatter of the library, the report and the
 * dashboard), with {@link CLI_DIGITS} significant digits unless said otherwise.
 */

/** Significant digits of the numbers the CLI prints. */
export const CLI_DIGITS = 4;

/** Formats rows as an aligned text table. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** A filesystem-friendly name for a clip spec (`norm:1` → `norm-1`; `+` is kept, so `norm:1e+21` and `norm:1e-21` stay apart). */
export function slug(s: string): string {
  return s.replace(/[^A-Za-z0-9.+]+/g, '-').replace(/^-+|-+$/g, '');
}
