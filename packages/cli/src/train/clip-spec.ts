/**
 * The `--clip` mini-language shared by the CLI and the dashboard (DESIGN.md
 * section 4, **contract**):
 *
 * | spec | transform |
 * |---|---|
 * | `none` | no clipping (norms are still measured) |
 * | `norm:<max>` | clip by global L2 norm (Pascanu et al. 2013; Optax rule) |
 * | `value:<v>` | clamp every element to `[-v, v]` |
 * | `autoclip:<percentile>` | AutoClip (Seetharaman et al. 2020, arXiv 2007.14469) |
 * | `agc:<lambda>` | adaptive gradient clipping (Brock et al. 2021, arXiv 2102.06171) |
 * | `zclip:<z>` | ZClip (Kumar et al. 2025, arXiv 2504.02507) |
 * | `adagc:<lambdaRel>` | AdaGC (Wang et al. 2025, arXiv 2502.11034): per-tensor clipping at `lambdaRel` × an EMA of each tensor's norm, other options at their defaults |
 */
import { GradclipArgumentError, transforms, type GradientTransformation } from 'gradclip';
import { parseDecimal } from './numbers.js';

const { adaGC, adaptiveGradClip, autoClip, chain, clipByGlobalNorm, clipByValue, skipNonFinite, zClip } = transforms;

/** The clipping methods of the `--clip` flag. */
export const CLIP_KINDS = ['none', 'norm', 'value', 'autoclip', 'agc', 'zclip', 'adagc'] as const;
/** One of {@link CLIP_KINDS}. */
export type ClipKind = (typeof CLIP_KINDS)[number];

/** A parsed `--clip` value. */
export interface ClipSpec {
  kind: ClipKind;
  /** The method's parameter (threshold, percentile, λ, z or AdaGC's λ_rel); undefined for `none`. */
  value?: number;
  /** The text it was parsed from, normalised (e.g. `norm:1`). */
  text: string;
}

const USAGE = 'none, norm:<max>, value:<v>, autoclip:<percentile>, agc:<lambda>, zclip:<z>, adagc:<lambdaRel>';

/** Parses one `--clip` value; errors list the valid forms. The number after the colon is decimal (`norm:0x10` is an error). */
export function parseClipSpec(text: string): ClipSpec {
  const t = String(text).trim();
  if (t.includes(',')) {
    throw new GradclipArgumentError(`invalid clip spec "${t}": one run takes one spec (gradclip compare takes a comma-separated list); valid forms are ${USAGE}`);
  }
  if (t === 'none') return { kind: 'none', text: 'none' };
  const m = /^([a-z]+):(.+)$/.exec(t);
  const kind = m?.[1];
  if (!m || !(CLIP_KINDS as readonly string[]).includes(kind ?? '') || kind === 'none') {
    throw new GradclipArgumentError(`invalid clip spec "${t}": valid forms are ${USAGE}`);
  }
  const value = parseDecimal(m[2]) ?? Number.NaN;
  if (!Number.isFinite(value) || value <= 0) {
    throw new GradclipArgumentError(`invalid clip spec "${t}": ${kind} needs a finite number > 0 after the colon; valid forms are ${USAGE}`);
  }
  if (kind === 'autoclip' && value > 100) {
    throw new GradclipArgumentError(`invalid clip spec "${t}": the AutoClip percentile must be in (0, 100]`);
  }
  return { kind: kind as ClipKind, value, text: `${kind}:${value}` };
}

/**
 * Parses a comma-separated list of clip specs (`gradclip compare --clip
 * a,b,c`). An empty entry (`none,,norm:1`) and a method listed twice
 * (`norm:1,norm:1.0`: the same spec once normalised) are errors naming them.
 */
export function parseClipList(text: string): ClipSpec[] {
  const raw = String(text).split(',').map((s) => s.trim());
  if (raw.every((s) => s.length === 0)) throw new GradclipArgumentError(`--clip needs at least one spec: ${USAGE}`);
  if (raw.some((s) => s.length === 0)) throw new GradclipArgumentError(`--clip "${text}" has an empty entry: give comma-separated specs such as none,norm:1 (${USAGE})`);
  const specs = raw.map(parseClipSpec);
  const seen = new Map<string, string>();
  specs.forEach((s, i) => {
    const first = seen.get(s.text);
    if (first !== undefined) {
      throw new GradclipArgumentError(`--clip lists ${s.text} twice (${first === raw[i] ? `"${first}"` : `"${first}" and "${raw[i]}" are the same spec`}): each method runs once per seed`);
    }
    seen.set(s.text, raw[i]);
  });
  return specs;
}

/** Options of {@link clipTransform}. */
export interface ClipTransformOptions {
  /** Variable names AGC leaves alone (the final classifier, as Brock et al. recommend). */
  agcExclude?: string[];
  /** Put `skipNonFinite()` in front (a non-finite step is skipped instead of applied). @default false */
  skipNonFinite?: boolean;
}

/** The gradient transformation for a parsed spec. */
export function clipTransform(spec: ClipSpec, options: ClipTransformOptions = {}): GradientTransformation {
  let t: GradientTransformation | null;
  switch (spec.kind) {
    case 'none':
      t = null;
      break;
    case 'norm':
      t = clipByGlobalNorm(spec.value as number);
      break;
    case 'value':
      t = clipByValue(spec.value as number);
      break;
    case 'autoclip':
      t = autoClip({ percentile: spec.value as number });
      break;
    case 'agc':
      t = adaptiveGradClip({ clipping: spec.value as number, exclude: options.agcExclude ?? [] });
      break;
    case 'zclip':
      t = zClip({ zThresh: spec.value as number });
      break;
    case 'adagc':
      t = adaGC({ lambdaRel: spec.value as number });
      break;
  }
  const members: GradientTransformation[] = [];
  if (options.skipNonFinite) members.push(skipNonFinite());
  if (t) members.push(t);
  return chain(...members);
}
