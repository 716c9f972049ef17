/**
 * Finding the variables an optimizer updates from the names its gradients
 * are keyed by (TF.js's engine registry, as `tf.Optimizer.applyGradients` does).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { NamedTensorMap, Variable } from '@tensorflow/tfjs-core';

/** The registered variable called `name`, or undefined. */
export function registeredVariable(name: string): Variable | undefined {
  return (tf.engine().registeredVariables as Record<string, Variable | undefined>)[name];
}

/** The registered variables among `names`, keyed by name (names without a variable are left out). */
export function registeredVariables(names: readonly string[]): NamedTensorMap {
  const out: NamedTensorMap = {};
  for (const n of names) {
    const v = registeredVariable(n);
    if (v) out[n] = v;
  }
  return out;
}
