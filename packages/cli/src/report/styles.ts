/**
 * The stylesheet of the HTML reports (inline, no external fonts or assets).
 *
 * @module
 */

/** CSS of the report pages: a readable single column, responsive cards and tables. */
export const REPORT_CSS = `
:root { --fg: #1f2328; --muted: #59636e; --line: #d0d7de; --bg: #ffffff; --panel: #f6f8fa;
  --ok: #1a7f37; --ok-bg: #dafbe1; --bad: #cf222e; --bad-bg: #ffebe9; --warn: #9a6700; --warn-bg: #fff8c5; --accent: #0969da; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: var(--bg); color: var(--fg);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", "Liberation Sans", Arial, sans-serif; }
main, header.page, footer.page { max-width: 1120px; margin: 0 auto; padding: 0 20px; }
header.page { padding-top: 28px; padding-bottom: 8px; }
h1 { font-size: 1.6rem; margin: 0 0 4px; line-height: 1.25; word-break: break-word; }
h2 { font-size: 1.2rem; margin: 32px 0 12px; padding-bottom: 6px; border-bottom: 1px solid var(--line); }
h3 { font-size: 1rem; margin: 0; }
p { margin: 6px 0 10px; }
.sub { color: var(--muted); margin: 0; }
.mono, code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: 0.92em; }
.banner { display: flex; flex-wrap: wrap; gap: 8px 16px; align-items: center; margin: 16px 0 4px; padding: 10px 14px;
  border-radius: 8px; border: 1px solid var(--line); background: var(--panel); }
.banner.ok { background: var(--ok-bg); border-color: #aceebb; }
.banner.bad { background: var(--bad-bg); border-color: #ffcecb; }
.badge { display: inline-block; padding: 1px 9px; border-radius: 999px; font-size: 0.82rem; font-weight: 600;
  border: 1px solid transparent; white-space: nowrap; }
.badge.ok { color: var(--ok); background: var(--ok-bg); border-color: #aceebb; }
.badge.bad { color: var(--bad); background: var(--bad-bg); border-color: #ffcecb; }
.badge.warn { color: var(--warn); background: var(--warn-bg); border-color: #f5e0a0; }
.badge.info { color: var(--muted); background: var(--panel); border-color: var(--line); }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(165px, 1fr)); gap: 10px; margin: 0; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; background: var(--bg); min-width: 0; }
.card dt { color: var(--muted); font-size: 0.8rem; text-transform: uppercase; letter-spacing: 0.03em; }
.card dd { margin: 2px 0 0; font-size: 1.15rem; font-weight: 600; overflow-wrap: anywhere; }
.card dd small { font-weight: normal; color: var(--muted); font-size: 0.8rem; }
.card.bad { border-color: #ffcecb; background: var(--bad-bg); }
.diagnosis { border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px; background: var(--panel); }
.diagnosis ul { margin: 6px 0 10px; padding-left: 22px; }
.diagnosis li { margin: 3px 0; }
.diagnosis h3 { margin-top: 10px; font-size: 0.95rem; }
figure.chart { margin: 0 0 22px; padding: 12px 14px 8px; border: 1px solid var(--line); border-radius: 8px; background: #fff; }
figure.chart figcaption p { color: var(--muted); font-size: 0.88rem; margin: 2px 0 8px; }
.vega-box { width: 100%; min-height: 120px; overflow: hidden; }
.vega-box svg { max-width: 100%; height: auto; display: block; }
.vega-box .error { color: var(--bad); font-size: 0.9rem; }
.table-wrap { width: 100%; overflow-x: auto; -webkit-overflow-scrolling: touch; border: 1px solid var(--line); border-radius: 8px; }
table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--panel); font-weight: 600; white-space: nowrap; }
tbody tr:last-child td { border-bottom: 0; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.kv th { width: 34%; white-space: normal; }
tr.diverged td { background: var(--bad-bg); }
tr.diverged td:first-child { box-shadow: inset 3px 0 0 var(--bad); }
td.best { font-weight: 700; color: var(--ok); }
.swatch { display: inline-block; width: 11px; height: 11px; border-radius: 2px; margin-right: 7px; vertical-align: -1px; }
.run-name { font-weight: 600; overflow-wrap: anywhere; }
table.runs td:first-child { white-space: nowrap; }
table.runs .run-name { overflow-wrap: normal; }
.note { color: var(--muted); font-size: 0.88rem; }
footer.page { color: var(--muted); font-size: 0.82rem; padding-top: 24px; padding-bottom: 32px; }
@media (max-width: 640px) {
  body { font-size: 14px; }
  main, header.page, footer.page { padding: 0 12px; }
  header.page { padding-top: 18px; }
  h1 { font-size: 1.3rem; }
  figure.chart { padding: 8px 6px 4px; }
  .cards { grid-template-columns: repeat(auto-fill, minmax(130px, 1fr)); }
}
@media print { .vega-box { overflow: visible; } figure.chart { break-inside: avoid; } }
`;
