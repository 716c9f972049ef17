/** The `charlm` task: generated text, vocabulary, batch sampler and entropy baselines. */
export { generateText, type TextGeneratorOptions } from './text-generator.js';
export { CharVocab } from './vocab.js';
export { unigramEntropy, bigramEntropy } from './entropy.js';
export { createCharCorpus, type CharCorpus, type CharCorpusOptions, type CharBatch, type CharSplit } from './corpus.js';
