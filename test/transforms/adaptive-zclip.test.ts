import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { tf, useBackend, BACKENDS } from '../helpers/backends.js';
import { zClip, type ZClipOptions, type ZClipState } from '../../packages/gradclip/src/transforms/adaptive/index.js';
import { gradsWithNorm, disposeInfo, close } from '../helpers/transforms.js';

interface Trace {
  thresholds: number[];
  postNorms: number[];
  clipped: boolean[];
  states: ZClipState[];
  out: number[][];
}

function run(opts: ZClipOptions, norms: number[], state0?: ZClipState): Trace {
  const t = zClip(opts);
  let state = state0 ?? t.init({});
  const tr: Trace = { thresholds: [], postNorms: [], clipped: [], states: [], out: [] };
  for (const n of norms) {
    const g = gradsWithNorm(n);
    const r = t.update(g, state);
    const a = r.updates.a!.dataSync()[0];
    const b = r.updates.b!.dataSync()[0];
    tr.out.push([a, b]);
    tr.postNorms.push(Math.hypot(a, b));
    tr.thresholds.push(r.info.threshold);
    tr.clipped.push(r.info.clipped === true);
    tr.states.push(r.state);
    for (const k of Object.keys(r.updates)) if (r.updates[k] !== g[k]) r.updates[k]!.dispose();
    tf.dispose(g);
    disposeInfo(r.info);
    state = r.state;
  }
  return tr;
}

// The sequence worked by hand below: alpha 0.5, zThresh 2, warmupSteps 2, norms [1, 3, 2.5, 10, 2.4].
const HAND = { alpha: 0.5, zThresh: 2, warmupSteps: 2, maxGradNorm: null }; // no fixed ceiling: the adaptive rule alone
const NORMS = [1, 3, 2.5, 10, 2.4];
// warm-up: mean = (1 + 3) / 2 = 2, variance = ((1-2)^2 + (3-2)^2) / 2 = 1
// step 3: z = (2.5 - 2) / 1 = 0.5 <= 2, no spike; EMA fed 2.5:
const MU3 = 0.5 * 2 + 0.5 * 2.5; // 2.25
const VAR3 = 0.5 * 1 + 0.5 * (2.5 - 2.25) ** 2; // 0.5 + 0.03125 = 0.53125
// step 4: z = (10 - 2.25) / sqrt(0.53125) = 7.75 / 0.728869 = 10.633 > 2, a spike:
// g* = mu + (zThresh^2 / z) * sigma = 2.25 + 4 * sigma^2 / 7.75 = 2.25 + 2.125 / 7.75 = 2.5241935...
const G4 = 2.25 + 2.125 / 7.75;
const MU4 = 0.5 * 2.25 + 0.5 * G4; // 2.3870968
const VAR4 = 0.5 * 0.53125 + 0.5 * (G4 - MU4) ** 2; // 0.265625 + 0.5 * 0.1370968^2 = 0.2750228
// step 5: z = (2.4 - 2.3870968) / sqrt(0.2750228) = 0.0246, no spike
const MU5 = 0.5 * MU4 + 0.5 * 2.4; // 2.3935484
const VAR5 = 0.5 * VAR4 + 0.5 * (2.4 - MU5) ** 2; // 0.1375322

for (const backend of BACKENDS) {
  describe(`zClip (${backend})`, () => {
    before(async () => {
      await useBackend(backend);
    });

    it('follows the paper step by step on a hand-computed sequence', () => {
      const before = tf.memory().numTensors;
      const tr = run(HAND, NORMS);
      // warm-up: nothing clipped, statistics appear after the 2nd norm
      assert.deepEqual(tr.states[0], { warmup: [tr.states[0].warmup[0]], mean: null, variance: null });
      close(tr.states[0].warmup[0], 1, 1e-7);
      assert.deepEqual(tr.states[1].warmup, []);
      close(tr.states[1].mean!, 2, 1e-7);
      close(tr.states[1].variance!, 1, 1e-6);
      close(tr.states[2].mean!, MU3, 1e-6, 'mu3');
      close(tr.states[2].variance!, VAR3, 1e-6, 'var3');
      close(tr.states[3].mean!, MU4, 1e-6, 'mu4');
      close(tr.states[3].variance!, VAR4, 1e-5, 'var4');
      close(tr.states[4].mean!, MU5, 1e-6, 'mu5');
      close(tr.states[4].variance!, VAR5, 1e-5, 'var5');
      assert.deepEqual(tr.clipped, [false, false, false, true, false]);
      assert.deepEqual([tr.thresholds[0], tr.thresholds[1], tr.thresholds[2], tr.thresholds[4]], [Infinity, Infinity, Infinity, Infinity]);
      close(tr.thresholds[3], G4, 1e-6, 'threshold 4');
      // clipped gradient of step 4: g * g* / (10 + 1e-6), i.e. norm ~ 2.5241935
      close(tr.postNorms[3], (G4 * 10) / (10 + 1e-6), 1e-6, 'post norm 4');
      close(tr.out[3][0], 6 * (G4 / (10 + 1e-6)), 1e-6);
      close(tr.out[3][1], 8 * (G4 / (10 + 1e-6)), 1e-6);
      close(tr.postNorms[4], 2.4, 1e-6);
      assert.equal(tf.memory().numTensors, before);
    });

    it('clips to maxGradNorm during warm-up and caps the threshold afterwards; the EMA still sees the adaptive value', () => {
      const tr = run({ ...HAND, maxGradNorm: 1.5 }, NORMS);
      // step 1: 1 <= 1.5; step 2: 3 > 1.5; step 3: no spike but 2.5 > 1.5; step 4: min(2.524, 1.5); step 5: 2.4 > 1.5
      assert.deepEqual(tr.clipped, [false, true, true, true, true]);
      assert.deepEqual(tr.thresholds, [1.5, 1.5, 1.5, 1.5, 1.5]);
      close(tr.postNorms[1], (1.5 * 3) / (3 + 1e-6), 1e-6);
      close(tr.postNorms[3], (1.5 * 10) / (10 + 1e-6), 1e-6);
      // the statistics are the same as without the ceiling (fed the raw norm, or g* on a spike)
      close(tr.states[4].mean!, MU5, 1e-6);
      close(tr.states[4].variance!, VAR5, 1e-5);
    });

    it('by default clips to 1.0 during warm-up and caps the threshold at 1.0, as the reference code (max_grad_norm=1.0)', () => {
      const tr = run({ alpha: 0.5, zThresh: 2, warmupSteps: 2 }, NORMS);
      assert.deepEqual(tr.clipped, [false, true, true, true, true]);
      assert.deepEqual(tr.thresholds, [1, 1, 1, 1, 1]);
      close(tr.postNorms[1], 3 / (3 + 1e-6), 1e-6);
      // Infinity is the same as null: no ceiling
      const open = run({ ...HAND, maxGradNorm: Number.POSITIVE_INFINITY }, NORMS);
      assert.deepEqual(open.clipped, [false, false, false, true, false]);
    });

    it('with warmupSteps 0 the first norm initialises the statistics (mean g1, variance 0)', () => {
      // step 2: sigma = 0, z = (3 - 2) / 1e-6 = 1e6 > 2.5, g* = 2 + (6.25 / 1e6) * 0 = 2
      const tr = run({ warmupSteps: 0, maxGradNorm: null }, [2, 3]);
      close(tr.states[0].mean!, 2, 1e-7);
      assert.equal(tr.states[0].variance, 0);
      assert.deepEqual(tr.clipped, [false, true]);
      close(tr.thresholds[1], 2, 1e-7);
      close(tr.postNorms[1], (2 * 3) / (3 + 1e-6), 1e-6);
    });

    it('passes non-finite gradients through and leaves the state unchanged', () => {
      const t = zClip(HAND);
      const s: ZClipState = { warmup: [], mean: 2, variance: 1 };
      const g = { a: tf.tensor1d([Number.POSITIVE_INFINITY]), b: tf.tensor1d([1]) };
      const r = t.update(g, s);
      assert.equal(r.state, s);
      assert.equal(r.updates.a, g.a);
      assert.equal(r.info.clipped, false);
      disposeInfo(r.info);
      tf.dispose(g);
    });

    it('matches a float64 transcription of the paper algorithm on random sequences', () => {
      fc.assert(
        fc.property(
          fc.array(fc.double({ min: 0.1, max: 50, noNaN: true }), { minLength: 1, maxLength: 14 }),
          fc.double({ min: 0.05, max: 0.99, noNaN: true }),
          fc.double({ min: 0.5, max: 4, noNaN: true }),
          fc.integer({ min: 1, max: 5 }),
          (norms, alpha, zThresh, warmupSteps) => {
            const tr = run({ alpha, zThresh, warmupSteps, maxGradNorm: null }, norms);
            // Reference (Kumar et al. 2025, Algorithm 1 + the reference implementation's warm-up):
            let mu = NaN;
            let v = NaN;
            const buf: number[] = [];
            norms.forEach((g, i) => {
              let thr = Infinity;
              if (buf.length < warmupSteps && Number.isNaN(mu)) {
                buf.push(g);
                if (buf.length >= warmupSteps) {
                  mu = buf.reduce((x, y) => x + y, 0) / buf.length;
                  v = buf.reduce((x, y) => x + (y - mu) ** 2, 0) / buf.length;
                }
              } else {
                const sd = Math.sqrt(v);
                const z = (g - mu) / (sd + 1e-6);
                let x = g;
                if (z > zThresh) {
                  thr = mu + ((zThresh * zThresh) / z) * sd;
                  x = thr;
                }
                const mu2 = alpha * mu + (1 - alpha) * x;
                v = alpha * v + (1 - alpha) * (x - mu2) ** 2;
                mu = mu2;
              }
              const expectedPost = g > thr ? (thr * g) / (g + 1e-6) : g;
              if (Number.isFinite(thr)) close(tr.thresholds[i], thr, 1e-5, `threshold ${i}`);
              else assert.equal(tr.thresholds[i], Infinity);
              close(tr.postNorms[i], expectedPost, 1e-5, `post ${i}`);
            });
            const last = tr.states[tr.states.length - 1];
            if (!Number.isNaN(mu)) {
              close(last.mean!, mu, 1e-5, 'final mean');
              assert.ok(Math.abs(last.variance! - v) <= 1e-5 * Math.max(1, v), `final variance ${last.variance} vs ${v}`);
            }
          },
        ),
        { seed: 77, numRuns: 30 },
      );
    });

    it('continues identically after a JSON save/restore, in and after warm-up', () => {
      const norms = [1, 3, 2.5, 10, 2.4, 30, 2.2, 2.6];
      const full = run(HAND, norms);
      for (const cut of [1, 4]) {
        const first = run(HAND, norms.slice(0, cut));
        const saved = JSON.parse(JSON.stringify(first.states[cut - 1])) as ZClipState;
        const second = run(HAND, norms.slice(cut), saved);
        assert.deepEqual([...first.out, ...second.out], full.out);
        assert.deepEqual([...first.states, ...second.states], full.states);
      }
    });
  });
}

describe('zClip validation', () => {
  it('rejects alpha outside (0, 1)', () => {
    for (const a of [0, 1, 1.5, -0.1]) {
      assert.throws(() => zClip({ alpha: a }), { message: new RegExp(`zClip: alpha must be in \\(0, 1\\), got ${a}`) });
    }
    assert.throws(() => zClip({ alpha: Number.NaN }), { message: /zClip: alpha must be a finite number, got NaN/ });
  });
  it('rejects zThresh <= 0', () => {
    assert.throws(() => zClip({ zThresh: 0 }), { message: /zClip: zThresh must be > 0, got 0/ });
    assert.throws(() => zClip({ zThresh: -1 }), { message: /zClip: zThresh must be > 0, got -1/ });
  });
  it('rejects a negative or fractional warmupSteps', () => {
    assert.throws(() => zClip({ warmupSteps: -1 }), { message: /zClip: warmupSteps must be an integer >= 0, got -1/ });
    assert.throws(() => zClip({ warmupSteps: 2.5 }), { message: /zClip: warmupSteps must be an integer >= 0, got 2.5/ });
  });
  it('rejects maxGradNorm <= 0', () => {
    assert.throws(() => zClip({ maxGradNorm: 0 }), { message: /zClip: maxGradNorm must be > 0, got 0/ });
  });
});
