/**
 * resolveRunConfig as the one place of the rules between run flags: the
 * strict number syntax, the upper bounds (RUN_LIMITS and the activation
 * estimate), `--init` per model, the task's shortest length, and the flags
 * that have no effect (checked only for the fields given explicitly, so the
 * dashboard, which passes every field of its form, is not affected).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkActivations, flagName, resolveRunConfig, type RunConfig } from '../../packages/cli/src/train/config.js';
import { activationEstimate, RUN_LIMITS } from '../../packages/cli/src/train/limits.js';
import { parseDecimal, parseInteger } from '../../packages/cli/src/train/numbers.js';
import { parseClipList, parseClipSpec } from '../../packages/cli/src/train/clip-spec.js';

describe('number syntax', () => {
  it('decimal numbers only', () => {
    for (const [t, v] of [['0.01', 0.01], ['-2.93', -2.93], ['1e-3', 0.001], ['.5', 0.5], ['+3', 3], ['7.', 7]] as const) assert.equal(parseDecimal(t), v, t);
    for (const t of ['', ' ', ' 1', '0x10', '0b1', '0o7', 'Infinity', '-Infinity', 'NaN', '1e400', '1,5', '1_000']) assert.equal(parseDecimal(t), null, JSON.stringify(t));
  });
  it('integers in digits, with an optional positive exponent; huge ones are left to the range checks', () => {
    for (const [t, v] of [['2000', 2000], ['-3', -3], ['1e4', 10000], ['1E+2', 100]] as const) assert.equal(parseInteger(t), v, t);
    assert.equal(parseInteger('1e300'), 1e300);
    for (const t of ['', '1.5', '0x10', '1e-1', '1e400', 'ten', ' 5']) assert.equal(parseInteger(t), null, JSON.stringify(t));
  });
});

describe('clip specs', () => {
  it('the number after the colon is decimal', () => {
    assert.throws(() => parseClipSpec('norm:0x10'), /valid forms are/);
    assert.equal(parseClipSpec('norm:1e-3').text, 'norm:0.001');
  });
  it('a list names an empty entry and a spec given twice', () => {
    assert.throws(() => parseClipList('none,,norm:1'), /has an empty entry/);
    assert.throws(() => parseClipList('norm:1,norm:1.0'), /--clip lists norm:1 twice \("norm:1" and "norm:1\.0" are the same spec\)/);
    assert.throws(() => parseClipList('none,none'), /--clip lists none twice \("none"\)/);
    assert.deepEqual(parseClipList('none, norm:1').map((s) => s.text), ['none', 'norm:1']);
  });
});

describe('bounds', () => {
  it('flag names', () => {
    assert.equal(flagName('evalSize'), '--eval-size');
    assert.equal(flagName('cliffW'), '--cliff-w');
    assert.equal(flagName('stopOnDivergence'), '--no-stop-on-divergence');
  });
  for (const [partial, re] of [
    [{ steps: RUN_LIMITS.steps + 1 }, /--steps must be at most 1,000,000/],
    [{ batch: RUN_LIMITS.batch + 1 }, /--batch must be at most 10,000/],
    [{ length: RUN_LIMITS.length + 1 }, /--length must be at most 10,000/],
    [{ hidden: RUN_LIMITS.hidden + 1 }, /--hidden must be at most 2,048/],
    [{ evalSize: RUN_LIMITS.evalSize + 1 }, /--eval-size must be at most 100,000/],
    [{ seed: RUN_LIMITS.seed + 1 }, /--seed must be at most 2,147,483,647/],
    [{ length: 9 }, /--length must be at least 10 for --task addition/],
    [{ task: 'temporal-order', length: 5 }, /--length must be at least 10 for --task temporal-order/],
    [{ cliffW: Number.NaN }, /--cliff-w must be a finite number/],
    [{ init: 'normal:0x1' }, /normal:<std> needs a finite standard deviation/],
    [{ text: 'a.txt' }, /--text has no effect with --task addition/],
    [{ task: 'charlm', text: '  ' }, /--text needs the path of a UTF-8 text file/],
  ] as [Partial<RunConfig>, RegExp][]) {
    it(`rejects ${JSON.stringify(partial)}`, () => assert.throws(() => resolveRunConfig(partial), re));
  }
  it('accepts the limits themselves and the shortest lengths', () => {
    assert.equal(resolveRunConfig({ steps: RUN_LIMITS.steps }).steps, RUN_LIMITS.steps);
    assert.equal(resolveRunConfig({ task: 'memorization', length: 1 }).length, 1);
    assert.equal(resolveRunConfig({ length: 10 }).length, 10);
  });
  it('the activation estimate and its bound', () => {
    const c = resolveRunConfig({});
    assert.deepEqual(activationEstimate(c)?.elements, 500 * 50 * 50, 'the default run: an evaluation chunk of 500 × 50 × 50');
    assert.equal(activationEstimate(resolveRunConfig({ task: 'cliff' })), null);
    assert.equal(activationEstimate(resolveRunConfig({ model: 'lstm', evalSize: 10 }))?.elements, 20 * 50 * 4 * 50);
    assert.equal(activationEstimate(resolveRunConfig({ task: 'charlm', length: 64, evalSize: 10 }))?.elements, 20 * 64 * (256 + 4 * 64));
    assert.throws(() => resolveRunConfig({ batch: 10_000, length: 100, hidden: 100 }), /too large for memory: --batch 10000 × --length 100 × --hidden 100 = 100,000,000 elements .*lower --batch, --length or --hidden/);
    assert.throws(() => checkActivations(resolveRunConfig({ task: 'charlm', model: 'gru', hidden: 8, evalSize: 10 }), 100_000), /the 100000-character vocabulary of --text/);
  });
});

describe('flags with no effect (only when given)', () => {
  const cases: [Partial<RunConfig>, string, RegExp][] = [
    [{ optimizer: 'adam', momentum: 0.5 }, 'momentum', /--momentum has no effect: only --optimizer momentum uses it/],
    [{ optimizer: 'momentum', weightDecay: 0.1 }, 'weightDecay', /--weight-decay has no effect: only --optimizer adamw/],
    [{ cliffW: 3 }, 'cliffW', /--cliff-w has no effect/],
    [{ task: 'charlm', hidden: 30 }, 'hidden', /--hidden has no effect: the transformer's width is fixed/],
    [{ task: 'cliff', batch: 3 }, 'batch', /--batch has no effect: the cliff task has no data/],
    [{ evalEvery: 3000 }, 'evalEvery', /--eval-every has no effect: no evaluation falls within --steps 2000/],
  ];
  for (const [partial, key, re] of cases) {
    it(`${key} in ${JSON.stringify(partial)}`, () => {
      assert.throws(() => resolveRunConfig(partial, { given: [key] }), re);
      assert.doesNotThrow(() => resolveRunConfig(partial), 'without `given` (the dashboard) it is accepted');
    });
  }
  it('the same flags where they do have an effect', () => {
    assert.doesNotThrow(() => resolveRunConfig({ optimizer: 'momentum', momentum: 0.5 }, { given: ['momentum', 'optimizer'] }));
    assert.doesNotThrow(() => resolveRunConfig({ optimizer: 'adamw', weightDecay: 0.1 }, { given: ['weightDecay'] }));
    assert.doesNotThrow(() => resolveRunConfig({ task: 'cliff', cliffW: 3 }, { given: ['cliffW', 'task'] }));
    assert.doesNotThrow(() => resolveRunConfig({ model: 'lstm', hidden: 30 }, { given: ['hidden', 'model'] }));
    assert.doesNotThrow(() => resolveRunConfig({ evalEvery: 100 }, { given: ['evalEvery'] }));
  });
  it('calibrate: the fields calibration does not use, and at least 20 steps', () => {
    for (const key of ['clip', 'skipNonFinite', 'evalSize', 'evalEvery', 'warmup', 'stopOnDivergence']) {
      assert.throws(() => resolveRunConfig({}, { given: [key], purpose: 'calibrate' }), new RegExp(`${flagName(key)} has no effect: calibrate`));
    }
    assert.throws(() => resolveRunConfig({ steps: 19 }, { purpose: 'calibrate' }), /--steps must be at least 20 for calibrate/);
    assert.throws(() => resolveRunConfig({ steps: 100_001 }, { purpose: 'calibrate' }), /--steps must be at most 100,000/);
    assert.equal(resolveRunConfig({ steps: 20 }, { given: ['steps', 'lr'], purpose: 'calibrate' }).steps, 20);
  });
});
