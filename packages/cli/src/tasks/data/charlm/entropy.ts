/**
 * Count-based entropy baselines for character language models, in nats per
 * character (natural log; divide by ln 2 for bits per character).
 *
 * - Unigram entropy `H(X) = -sum_c p(c) ln p(c)` with `p` the empirical
 *   character frequencies: the loss of the best model that ignores context.
 * - Bigram conditional entropy `H(X_t | X_{t-1}) = -sum_{a,b} p(a,b) ln p(b|a)`
 *   over the `n - 1` adjacent pairs: the loss of the best one-character-context
 *   model on the same text (a plug-in estimate, optimistic on held-out text).
 *
 * A trained model's cross-entropy on the corpus should fall below both.
 */

function checkIds(ids: ArrayLike<number>, vocabSize: number, minLength: number): void {
  if (!Number.isInteger(vocabSize) || vocabSize < 1) throw new Error(`vocabSize must be an integer >= 1, got ${vocabSize}`);
  if (ids.length < minLength) throw new Error(`ids must hold at least ${minLength} ids, got ${ids.length}`);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (!Number.isInteger(id) || id < 0 || id >= vocabSize) {
      throw new Error(`ids[${i}] = ${id} is outside [0, vocabSize=${vocabSize})`);
    }
  }
}

/** Empirical unigram entropy of `ids` in nats per character. */
export function unigramEntropy(ids: ArrayLike<number>, vocabSize: number): number {
  checkIds(ids, vocabSize, 1);
  const counts = new Float64Array(vocabSize);
  for (let i = 0; i < ids.length; i++) counts[ids[i]]++;
  let h = 0;
  for (let c = 0; c < vocabSize; c++) {
    if (counts[c] > 0) {
      const p = counts[c] / ids.length;
      h -= p * Math.log(p);
    }
  }
  return h;
}

/** Empirical bigram conditional entropy `H(X_t | X_{t-1})` of `ids` in nats per character. */
export function bigramEntropy(ids: ArrayLike<number>, vocabSize: number): number {
  checkIds(ids, vocabSize, 2);
  const V = vocabSize;
  const pair = new Float64Array(V * V);
  const prev = new Float64Array(V);
  for (let i = 1; i < ids.length; i++) {
    pair[ids[i - 1] * V + ids[i]]++;
    prev[ids[i - 1]]++;
  }
  const n = ids.length - 1;
  let h = 0;
  for (let a = 0; a < V; a++) {
    if (prev[a] === 0) continue;
    for (let b = 0; b < V; b++) {
      const c = pair[a * V + b];
      if (c > 0) h -= (c / n) * Math.log(c / prev[a]);
    }
  }
  return h;
}
