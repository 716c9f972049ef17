/**
 * Registry of transform factories by name, so a transform can be described
 * as JSON ({@link TransformSpec}) and rebuilt — this is what lets an optimizer
 * wrapped with `withTransforms` survive `model.save` / `tf.loadLayersModel`.
 */
import type { GradientTransformation, TransformSpec } from './types.js';
import { GradclipArgumentError, requireRecord } from '../core/errors.js';

/** A factory that rebuilds a transform from the JSON args of its spec. */
export type TransformFactory = (...args: never[]) => GradientTransformation;

const FACTORIES = new Map<string, (...args: unknown[]) => GradientTransformation>();

/** Registers `factory` under `type` (later registrations replace earlier ones). */
export function registerTransform(type: string, factory: TransformFactory): void {
  FACTORIES.set(type, factory as unknown as (...args: unknown[]) => GradientTransformation);
}

/**
 * Rebuilds a transform from its spec; unknown types give an error listing the
 * known ones. Each built-in transform registers itself when its module loads:
 * in Node every built-in is registered once `gradclip` is imported; a browser
 * bundle keeps only the transforms its code references (plus `chain`,
 * `monitor` and the three clips, always), so code that loads a saved model
 * using, say, `autoClip` must reference `transforms.autoClip` somewhere.
 */
export function transformFromSpec(spec: TransformSpec): GradientTransformation {
  const r = requireRecord('transformFromSpec', 'spec', spec, 'a TransformSpec {type, args} (a transform\'s .spec)');
  if (typeof r.type !== 'string' || !Array.isArray(r.args)) {
    throw new GradclipArgumentError('transformFromSpec: spec must be {type: string, args: array} (a transform\'s .spec)');
  }
  const f = FACTORIES.get(spec.type);
  if (!f) {
    throw new GradclipArgumentError(
      `transformFromSpec: unknown transform type "${spec.type}"; registered types: ${[...FACTORIES.keys()].sort().join(', ')}. ` +
        'Register custom transforms with registerTransform(type, factory) before loading; in a browser bundle, reference the built-in transform (e.g. transforms.autoClip) so the bundler keeps it.',
    );
  }
  return f(...spec.args);
}
