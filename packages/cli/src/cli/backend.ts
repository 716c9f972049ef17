import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

import { CLI_BACKENDS } from './backend-names.js';

export { CLI_BACKENDS } from './backend-names.js';

/** Selects and initialises a TF.js backend (production mode: no debug checks, no banner). */
export async function setupBackend(name: string): Promise<string> {
  if (!(CLI_BACKENDS as readonly string[]).includes(name)) {
    throw new Error(`unknown backend "${name}": valid backends are ${CLI_BACKENDS.join(', ')}`);
  }
  tf.enableProdMode();
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`could not initialise the ${name} backend`);
  await tf.ready();
  return tf.getBackend();
}
