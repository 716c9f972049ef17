import type { NamedTensorMap, Scalar, Tensor } from '@tensorflow/tfjs-core';
import type { TransformInfo } from './types.js';

/** Disposes the tensors of `produced` that are not also in `keep` (identity comparison). */
export function disposeUnlessKept(produced: NamedTensorMap, ...keep: NamedTensorMap[]): void {
  const kept = new Set<Tensor>();
  for (const m of keep) for (const t of Object.values(m)) if (t) kept.add(t);
  for (const t of Object.values(produced)) if (t && !kept.has(t) && !t.isDisposed) t.dispose();
}

/** Disposes every tensor held by an info record. */
export function disposeInfo(info: TransformInfo): void {
  const ts: (Scalar | undefined)[] = [info.preClipNorm, info.postClipNorm, info.clipCoef];
  if (typeof info.clipped === 'object') ts.push(info.clipped);
  for (const t of ts) if (t && !t.isDisposed) t.dispose();
  if (info.layerNorms) for (const t of Object.values(info.layerNorms)) if (t && !t.isDisposed) t.dispose();
}
