#!/usr/bin/env node
// Pascanu et al. 2013, section 2.3 / Fig. 6: the one-unit RNN x_t = w*sigmoid(x_{t-1}) + b
// (50 steps, E = (sigmoid(x_50) - 0.7)^2). From a grid of starting points just above the
// cliff (the wall where the final state switches attractor), run plain gradient descent
// with and without clipping the gradient norm at 1, and print where each ends.
// Usage: npm run experiment:cliff   (after npm run build)
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
// The CLI's experiment runner and tasks (app code, not the library entry).
import * as experiments from '../packages/cli/dist/train/index.js';
import * as tasks from '../packages/cli/dist/tasks/index.js';

await tf.setBackend('wasm');
tf.enableProdMode();
const lr = 0.5;
const steps = 300;
const rows = [];
for (const w0 of [5, 6, 7]) {
  for (const off of [0.1, 0.2, 0.3, 0.4, 0.6]) {
    const b0 = Math.round((tasks.cliffWallBias(w0) + off) * 100) / 100;
    const cells = [];
    for (const clip of ['none', 'norm:1']) {
      const e = experiments.createExperiment({ task: 'cliff', lr, steps, clip, cliffW: w0, cliffB: b0 });
      let max = 0;
      while (!e.done) max = Math.max(max, e.step().preClipNorm ?? 0);
      const p = e.cliffParams();
      cells.push({ loss: e.stats[e.stats.length - 1].loss, w: p.w, b: p.b, max });
      e.dispose();
    }
    rows.push({ w0, b0, none: cells[0], clip: cells[1] });
  }
}
const f = (x) => x.toExponential(1);
console.log(`cliff: lr ${lr}, ${steps} steps of full-batch gradient descent from each start (w0, b0); plateau = final loss > 0.05\n`);
console.log('w0  b0     | no clipping: final loss, end (w, b), max |grad| | clip norm 1: final loss, end (w, b)');
for (const r of rows) {
  const n = r.none;
  const c = r.clip;
  console.log(
    `${r.w0}  ${r.b0.toFixed(2).padStart(5)}  | ${f(n.loss)} (${n.w.toFixed(1)}, ${n.b.toFixed(1)}) ${f(n.max)}`.padEnd(62) +
      `| ${f(c.loss)} (${c.w.toFixed(1)}, ${c.b.toFixed(1)})`,
  );
}
const plateauNone = rows.filter((r) => r.none.loss > 0.05).length;
const plateauClip = rows.filter((r) => r.clip.loss > 0.05).length;
console.log(`\nended on the plateau: no clipping ${plateauNone}/${rows.length}, clipping ${plateauClip}/${rows.length}`);
