/** Light HTML checks used by the report tests. */
import { REPORT_DATA_ID, type EmbeddedReportData } from '../../packages/cli/src/report/index.js';

const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr']);

/**
 * Checks that every non-void element outside <script>/<style> content is
 * closed in order; returns the list of problems (empty when balanced).
 */
export function tagProblems(html: string): string[] {
  const stripped = html.replace(/<(script|style)\b[^>]*>[\s\S]*?<\/\1>/gi, '<$1></$1>');
  const stack: string[] = [];
  const problems: string[] = [];
  for (const m of stripped.matchAll(/<(\/?)([a-zA-Z][a-zA-Z0-9-]*)\b[^>]*?(\/?)>/g)) {
    const [, close, rawName] = m;
    const name = rawName.toLowerCase();
    if (VOID.has(name)) continue;
    if (!close) stack.push(name);
    else if (stack.pop() !== name) problems.push(`unexpected </${name}> at ${m.index}`);
  }
  if (stack.length) problems.push(`unclosed: ${stack.join(', ')}`);
  return problems;
}

/** Every src=/href= (and CSS url()/@import) that would load from a network or protocol-relative address. */
export function externalLoads(html: string): string[] {
  const hits = [...html.matchAll(/\b(?:src|href|action|poster|data)\s*=\s*["']?\s*(?:https?:)?\/\/[^"'\s>]*/gi)].map((m) => m[0]);
  hits.push(...[...html.matchAll(/url\(\s*["']?(?:https?:)?\/\//gi)].map((m) => m[0]));
  hits.push(...[...html.matchAll(/@import/gi)].map((m) => m[0]));
  return hits;
}

/** Parses the embedded report data. */
export function embeddedData(html: string): EmbeddedReportData {
  const re = new RegExp(`<script type="application/json" id="${REPORT_DATA_ID}">([\\s\\S]*?)</script>`);
  const m = re.exec(html);
  if (!m) throw new Error('no embedded report data');
  return JSON.parse(m[1]) as EmbeddedReportData;
}

/** Values of the named dataset in a compiled Vega spec's `data` array (all datasets with `values`). */
export function vegaDatasets(spec: unknown): unknown[][] {
  const data = (spec as { data?: { values?: unknown[] }[] }).data ?? [];
  return data.filter((d) => Array.isArray(d.values)).map((d) => d.values as unknown[]);
}
