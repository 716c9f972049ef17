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

/** Rebuilds a transform from its spec; unknown types give an error listing the known ones. */
export function transformFromSpec(spec: TransformSpec): GradientTransformation {
  const r = requireRecord('transformFromSpec', 'spec', spec, 'a TransformSpec {type, args} (a transform\'s .spec)');
  if (typeof r.type !== 'string' || !Array.isArray(r.args)) {
    throw new GradclipArgumentError('transformFromSpec: spec must be {type: string, args: array} (a transform\'s .spec)');
  }
  const f = FACTORIES.get(spec.type);
  if (!f) {
    throw new GradclipArgumentError(
      `transformFromSpec: unknown transform type "${spec.type}"; registered types: ${[...FACTORIES.keys()].sort().join(', ')}. ` +
        'Register custom transforms with registerTransform(type, factory) before loading.',
    );
  }
  return f(...spec.args);
}
