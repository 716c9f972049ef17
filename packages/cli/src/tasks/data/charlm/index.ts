/** The `charlm` task: generated (or the user's own) text, vocabulary, batch sampler and entropy baselines. */
export { generateText, type TextGeneratorOptions } from './text-generator.js';
export { CharVocab } from './vocab.js';
export { unigramEntropy, bigramEntropy } from './entropy.js';
export { createCharCorpus, minTextCharacters, DEFAULT_VALID_FRACTION, type CharCorpus, type CharCorpusOptions, type CharBatch, type CharSplit } from './corpus.js';
export { checkTextLength, countCharacters, decodeTextFile, firstInvalidUtf8 } from './text-file.js';
