/** Guard transforms: skip steps with non-finite gradients or norm spikes. */
export { skipNonFinite, allFinite, type SkipNonFiniteOptions, type SkipNonFiniteState } from './skip-non-finite.js';
export { skipSpikes, type SkipSpikesOptions, type SkipSpikesState } from './skip-spikes.js';
