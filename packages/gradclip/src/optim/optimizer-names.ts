/**
 * Optimizer names, as `model.compile({optimizer: 'adam'})` accepts them:
 * the same names and the same hyperparameters as tfjs-layers'
 * `getOptimizer` (`tfjs-layers/src/optimizers.ts`), so that
 * `withClipping('adam', {...})` is `withClipping(<what compile('adam') builds>, {...})`.
 */
import { backend, Optimizer, serialization, train } from '@tensorflow/tfjs-core';
import { GradclipArgumentError } from '../core/errors.js';

/**
 * The optimizer names tfjs-layers' `model.compile` accepts, and what each
 * builds (ε is the backend's epsilon, `tf.backend().epsilon()`: 1e-7 on
 * float32 backends):
 *
 * | name | optimizer |
 * |---|---|
 * | `'sgd'`, `'SGD'` | `tf.train.sgd(0.01)` |
 * | `'adam'`, `'Adam'` | `tf.train.adam(0.001, 0.9, 0.999, ε)` |
 * | `'adagrad'`, `'Adagrad'` | `tf.train.adagrad(0.01)` (initial accumulator 0.1) |
 * | `'adadelta'`, `'Adadelta'` | `tf.train.adadelta(1, 0.95, ε)` |
 * | `'adamax'`, `'Adamax'` | `tf.train.adamax(0.002, 0.9, 0.999, ε, 0)` |
 * | `'rmsprop'`, `'RMSProp'` | `tf.train.rmsprop(0.001, 0.9, 0, ε)` (no momentum, not centered) |
 *
 * AdamW has no name here, as in tfjs-layers: build it with `adamw({...})`.
 */
export type OptimizerName =
  | 'sgd'
  | 'SGD'
  | 'adam'
  | 'Adam'
  | 'adagrad'
  | 'Adagrad'
  | 'adadelta'
  | 'Adadelta'
  | 'adamax'
  | 'Adamax'
  | 'rmsprop'
  | 'RMSProp';

const FACTORIES: ReadonlyMap<OptimizerName, () => Optimizer> = (() => {
  const eps = (): number => backend().epsilon();
  const pairs: [OptimizerName, OptimizerName, () => Optimizer][] = [
    ['sgd', 'SGD', () => train.sgd(0.01)],
    ['adam', 'Adam', () => train.adam(0.001, 0.9, 0.999, eps())],
    ['adagrad', 'Adagrad', () => train.adagrad(0.01)],
    ['adadelta', 'Adadelta', () => train.adadelta(1, 0.95, eps())],
    ['adamax', 'Adamax', () => train.adamax(0.002, 0.9, 0.999, eps(), 0)],
    ['rmsprop', 'RMSProp', () => train.rmsprop(0.001, 0.9, 0, eps())],
  ];
  const m = new Map<OptimizerName, () => Optimizer>();
  for (const [lower, upper, make] of pairs) {
    m.set(lower, make);
    m.set(upper, make);
  }
  return m;
})();

/** Every {@link OptimizerName}, lower-case spelling first, in tfjs-layers' order. */
export const OPTIMIZER_NAMES: readonly OptimizerName[] = Object.freeze([...FACTORIES.keys()]);

/**
 * A new optimizer for `name` with tfjs-layers' defaults (see
 * {@link OptimizerName}).
 *
 * @param fn - the public function, for the error message
 * @throws GradclipArgumentError for any other string, naming the valid ones
 */
export function optimizerFromName(fn: string, name: string): Optimizer {
  const make = FACTORIES.get(name as OptimizerName);
  if (make !== undefined) return make();
  let hint = '';
  if (/^adamw$/i.test(name)) {
    hint = '; AdamW has no name in tfjs-layers: pass adamw({learningRate, weightDecay}) instead';
  } else {
    const close = OPTIMIZER_NAMES.find((n) => n.toLowerCase() === name.toLowerCase());
    if (close !== undefined) hint = `; did you mean "${close}"?`;
  }
  throw new GradclipArgumentError(
    `${fn}: unknown optimizer name ${JSON.stringify(name)}; valid names (those of tfjs-layers' model.compile) are ${OPTIMIZER_NAMES.map((n) => `"${n}"`).join(', ')}, or pass a tf.Optimizer such as tf.train.adam(1e-3)${hint}`,
  );
}

/**
 * `optimizer` itself, or a new one for an {@link OptimizerName}.
 *
 * @param fn - the public function, for error messages
 */
export function resolveOptimizer(fn: string, optimizer: Optimizer | OptimizerName): Optimizer {
  if (typeof optimizer === 'string') return optimizerFromName(fn, optimizer);
  // (tf.Optimizer's Symbol.hasInstance reads `.minimize`: test for an object first.)
  if (typeof optimizer !== 'object' || optimizer === null || !(optimizer instanceof Optimizer)) {
    throw new GradclipArgumentError(
      `${fn}: optimizer must be a tf.Optimizer (for example tf.train.adam(1e-3)) or an optimizer name such as "adam", got ${optimizer === null ? 'null' : typeof optimizer}`,
    );
  }
  return optimizer;
}

/**
 * The wrapped optimizer of a gradclip wrapper's saved config
 * (`config.optimizer = {className, config}`), rebuilt through TF.js's
 * serialization registry; `owner` (the wrapper's class name) prefixes the
 * errors.
 *
 * @throws GradclipArgumentError when the entry is missing or its class is not registered
 */
export function innerOptimizerFromConfig(owner: string, config: serialization.ConfigDict): Optimizer {
  const inner = config.optimizer as { className: string; config: serialization.ConfigDict } | undefined;
  if (!inner || typeof inner.className !== 'string') {
    throw new GradclipArgumentError(`${owner}.fromConfig: config.optimizer {className, config} is missing`);
  }
  const entry = serialization.SerializationMap.getMap().classNameMap[inner.className];
  if (!entry) {
    throw new GradclipArgumentError(
      `${owner}.fromConfig: the inner optimizer class "${inner.className}" is not registered; register it with tf.serialization.registerClass before loading`,
    );
  }
  return entry[1](entry[0], inner.config) as unknown as Optimizer;
}
