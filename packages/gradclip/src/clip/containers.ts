/**
 * The three gradient containers gradclip accepts everywhere, and the one
 * mechanism that flattens them and rebuilds results in the caller's form:
 *
 * - `Tensor[]` (entries may be `null`/`undefined`, like PyTorch's `grad is None`)
 * - `NamedTensorMap` (`{name: Tensor}`, what `tf.variableGrads` returns)
 * - `NamedTensor[]` (`[{name, tensor}]`, what `Optimizer.applyGradients` also takes)
 *
 * `null`/`undefined` entries are skipped by every computation and come back
 * as they were.
 */
import type { NamedTensorMap, Tensor } from '@tensorflow/tfjs-core';
import { GradclipArgumentError, requireFloatTensor } from '../core/errors.js';

/** `{name, tensor}` pair as used by `Optimizer.applyGradients` (tensor may be missing). */
export interface NamedGrad {
  /** The variable's name (as in `tf.variableGrads`'s map). */
  name: string;
  /** Its gradient; `null`/`undefined` entries are skipped, as PyTorch's `grad is None`. */
  tensor: Tensor | null | undefined;
}

/** Any accepted gradient container. */
export type GradContainer =
  | ReadonlyArray<Tensor | null | undefined>
  | ReadonlyArray<NamedGrad>
  | Readonly<Record<string, Tensor | null | undefined>>
  | NamedTensorMap;

/** A container flattened: the live tensors in order, and how to put results back. */
export interface FlatGrads {
  /** The non-null tensors, in container order. */
  readonly tensors: Tensor[];
  /** Names of `tensors` (index as a string for plain arrays). */
  readonly names: string[];
  /** Rebuilds the caller's container form from replacements of `tensors` (same order). */
  rebuild<G>(replacements: readonly Tensor[]): G;
}

function isNamedGrad(x: unknown): x is NamedGrad {
  return typeof x === 'object' && x !== null && 'name' in x && 'tensor' in x && !('dataId' in x);
}

/**
 * Flattens any accepted container, validating every tensor (float32, not disposed).
 * @param fn - public function name for error messages
 * @param arg - argument name for error messages
 */
export function flattenGrads(fn: string, arg: string, grads: unknown): FlatGrads {
  if (grads === null || typeof grads !== 'object') {
    throw new GradclipArgumentError(
      `${fn}: ${arg} must be a Tensor[], a NamedTensorMap ({name: Tensor}) or a NamedTensor[] ([{name, tensor}]), got ${grads === null ? 'null' : typeof grads}`,
    );
  }
  const tensors: Tensor[] = [];
  const names: string[] = [];
  if (Array.isArray(grads)) {
    const arr = grads as readonly unknown[];
    let named: boolean | null = null;
    arr.forEach((entry, i) => {
      if (entry === null || entry === undefined) return;
      const isNamed = isNamedGrad(entry);
      if (named === null) named = isNamed;
      else if (named !== isNamed) {
        throw new GradclipArgumentError(
          `${fn}: ${arg} mixes Tensor and {name, tensor} entries (entry ${i}); pass either a Tensor[] or a NamedTensor[]`,
        );
      }
      if (isNamed) {
        const ng = entry as NamedGrad;
        if (typeof ng.name !== 'string') {
          throw new GradclipArgumentError(`${fn}: ${arg}[${i}].name must be a string`);
        }
        if (ng.tensor === null || ng.tensor === undefined) return;
        tensors.push(requireFloatTensor<Tensor>(fn, `${arg}[${i}] ("${ng.name}")`, ng.tensor));
        names.push(ng.name);
      } else {
        tensors.push(requireFloatTensor<Tensor>(fn, `${arg}[${i}]`, entry));
        names.push(String(i));
      }
    });
    return {
      tensors,
      names,
      rebuild<G>(rep: readonly Tensor[]): G {
        let k = 0;
        const out = arr.map((entry) => {
          if (entry === null || entry === undefined) return entry;
          if (isNamedGrad(entry)) {
            if (entry.tensor === null || entry.tensor === undefined) return { name: entry.name, tensor: entry.tensor };
            return { name: entry.name, tensor: rep[k++] };
          }
          return rep[k++];
        });
        return out as unknown as G;
      },
    };
  }
  if ('dataId' in grads) {
    throw new GradclipArgumentError(
      `${fn}: ${arg} must be a container of gradients, got a single Tensor; wrap it in an array: [t]`,
    );
  }
  const map = grads as Record<string, unknown>;
  const keys = Object.keys(map);
  for (const k of keys) {
    const t = map[k];
    if (t === null || t === undefined) continue;
    tensors.push(requireFloatTensor<Tensor>(fn, `${arg}["${k}"]`, t));
    names.push(k);
  }
  return {
    tensors,
    names,
    rebuild<G>(rep: readonly Tensor[]): G {
      let j = 0;
      const out: Record<string, Tensor | null | undefined> = {};
      for (const k of keys) {
        const t = map[k];
        out[k] = t === null || t === undefined ? (t as null | undefined) : rep[j++];
      }
      return out as G;
    },
  };
}
