/**
 * Per-batch sequence length sampling of Pascanu et al.'s training loop
 * (authors' `RNN.py`: `length = min_length + rng.randint(max_length -
 * min_length)` when `max_length > min_length`, else `min_length`; paper
 * section 4.1.1 trains one model on lengths 50 to 200 this way).
 */
import type { Rng } from '../../core/random.js';

/**
 * One nominal length for the next batch: `minLength` when `maxLength` equals
 * it, otherwise uniform in `[minLength, maxLength - 1]`
 * (NumPy's `randint` excludes the upper bound, and so does this).
 *
 * @param rng random stream.
 * @param minLength smallest length, integer >= 1.
 * @param maxLength upper bound (exclusive when larger than minLength), integer >= minLength.
 */
export function sampleLength(rng: Rng, minLength: number, maxLength: number = minLength): number {
  if (!Number.isInteger(minLength) || minLength < 1) {
    throw new Error(`minLength must be an integer >= 1, got ${minLength}`);
  }
  if (!Number.isInteger(maxLength) || maxLength < minLength) {
    throw new Error(`maxLength must be an integer >= minLength (${minLength}), got ${maxLength}`);
  }
  return maxLength > minLength ? minLength + rng.int(maxLength - minLength) : minLength;
}
