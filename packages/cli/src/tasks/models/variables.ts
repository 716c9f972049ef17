/**
 * Creation of named, trainable TF.js variables for a model, with a clear
 * error when a name is already taken in TF.js's global variable registry.
 *
 * @module
 */

import { engine, tensor, variable, type Variable } from '@tensorflow/tfjs-core';

/**
 * Collects the variables of one model under a common name prefix.
 *
 * Each variable is named `${prefix}${name}` and registered with TF.js as
 * trainable. TF.js keeps one global registry of variable names, so a name that
 * is already registered (another live model with the same prefix) is rejected
 * before anything is created; on that error every variable this set already
 * made is disposed.
 */
export class VariableSet {
  private readonly vars: Variable[] = [];
  private disposed = false;

  /** @param prefix prepended to every name, for example `'run1/'`. */
  constructor(readonly prefix: string) {
    if (typeof prefix !== 'string') throw new Error(`prefix must be a string such as 'run1/', got ${typeof prefix}`);
  }

  /**
   * Creates the float32 variable `${prefix}${name}` of `shape` from `values`
   * (row-major; float64 values are rounded to float32).
   */
  add(name: string, values: ArrayLike<number>, shape: number[]): Variable {
    const full = `${this.prefix}${name}`;
    if (engine().registeredVariables[full] != null) {
      this.dispose();
      throw new Error(
        `variable name '${full}' is already registered by another live model; ` +
          `pass a different prefix (for example 'run2/') or dispose the other model first`,
      );
    }
    const size = shape.reduce((a, b) => a * b, 1);
    if (values.length !== size) {
      throw new Error(`variable '${full}': ${values.length} values do not fill shape [${shape.join(', ')}]`);
    }
    const init = tensor(Float32Array.from(values), shape, 'float32');
    const v = variable(init, true, full, 'float32');
    init.dispose();
    this.vars.push(v);
    return v;
  }

  /** The variables in creation order. */
  get list(): readonly Variable[] {
    return this.vars;
  }

  /** Total number of scalars in all variables. */
  get numParams(): number {
    return this.vars.reduce((a, v) => a + v.size, 0);
  }

  /** Disposes every variable; safe to call twice. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const v of this.vars) v.dispose();
  }
}
