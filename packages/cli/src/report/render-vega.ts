/**
 * Compiles the Vega-Lite chart specifications to Vega (Satyanarayan et al.,
 * 2016, "Reactive Vega", IEEE TVCG 22(1)) and renders them to SVG in Node
 * with a headless `vega.View`.
 *
 * @module
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** A compiled Vega specification (what `vega.parse` takes). */
export type VegaSpec = vega.Spec;

/**
 * Compiles a Vega-Lite spec to a Vega spec with `vega-lite`'s `compile()`,
 * dropping the `$schema` URL (the reports must not reference the network).
 */
export function toVega(spec: TopLevelSpec): VegaSpec {
  const out = compile(spec).spec;
  delete out.$schema;
  return out;
}

/**
 * Renders a Vega spec to an SVG string with a headless view
 * (`new vega.View(vega.parse(spec), {renderer: 'none'}).toSVG()`), at
 * `width` (total width in pixels; the spec's own when omitted).
 */
export async function renderSvg(spec: VegaSpec, width?: number): Promise<string> {
  const view = new vega.View(vega.parse(spec), { renderer: 'none', logLevel: vega.Error });
  try {
    if (width !== undefined) view.width(width);
    await view.runAsync();
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
