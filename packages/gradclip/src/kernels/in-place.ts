/**
 * Which inputs of an in-place kernel may really be written in place: a
 * tensor whose buffer no other tensor shares (backend refCount 1: no clone,
 * reshape or variable aliases it) and that does not appear twice in the
 * inputs. Writing any other buffer would change tensors the caller did not
 * hand over. No TF.js import: works on any backend with `refCount(dataId)`.
 */

/** A backend that counts the tensors sharing a buffer. */
export interface RefCountingBackend {
  refCount(dataId: object): number;
}

/** Per input: true when its buffer may be overwritten. */
export function writableInPlace(backend: RefCountingBackend, inputs: ReadonlyArray<{ dataId: object }>): boolean[] {
  const seen = new Map<object, number>();
  for (const t of inputs) seen.set(t.dataId, (seen.get(t.dataId) ?? 0) + 1);
  return inputs.map((t) => seen.get(t.dataId) === 1 && backend.refCount(t.dataId) === 1);
}
