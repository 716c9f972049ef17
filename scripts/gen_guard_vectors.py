#!/usr/bin/env python3
"""Generate the reference vectors of gradclip's newer guards (issue 13, point 4).

Run offline (the library and CI never need Python):

    /usr/bin/python3 scripts/gen_guard_vectors.py      # writes test/vectors/guards.json

Written for Debian's python3-torch 1.13 (CPU).  Every reference is computed in
**float64** with torch from the inputs' float32 values, by small
implementations written here from the papers (the encoding of numbers is the
one of scripts/gen_vectors.py, whose helpers this script imports):

* **AdaGC** (Wang et al., arXiv 2502.11034; the update order, warm-up bound
  and eps of the authors' released Megatron code).  Per step t = 1, 2, ...,
  with n_i = ||g_i||_2 and N = ||(n_1, ..., n_k)||_2:
    - t <= T_start (warm-up, GlobalGC): h = lambda_abs / (N + 1e-6); when h < 1
      every g_i is multiplied by h; gamma_i = min(gamma_i, ||g_i (clipped)||)
      (gamma_i = that norm the first time);
    - t > T_start: gamma = gamma_i (n_i when the tensor is new); if
      n_i > lambda_rel * gamma: g_i *= lambda_rel * gamma / (n_i + 1e-6) and the
      EMA is fed lambda_rel * gamma, else it is fed n_i;
      gamma_i = beta * gamma + (1 - beta) * fed.
  A null gradient is skipped (its gamma is kept).
* **StableAdamW** (Wortsman et al., arXiv 2304.13013, Algorithm 2), written
  with the paper's debiased betas  b1^ = b1 (1 - b1^(t-1)) / (1 - b1^t)  (and
  b2^), so u_t and v_t are the bias-corrected moments:
      v = b2^ v + (1 - b2^) g^2,   u = b1^ u + (1 - b1^) g
      RMS = sqrt(mean(g^2 / max(v, eps^2))),   eta = lr / max(1, RMS)
      theta = theta - eta * lambda * theta - eta * u / (sqrt(v) + eps)
  (decay only for variables not excluded) and cross-checked against the same
  step written with Adam's usual bias correction, m / (1 - b1^t).

Inputs are float32 values (shortest round-trip decimal), references float64,
non-finite values as strings (see gen_vectors.py).  The generator also
checks that no threshold comparison of AdaGC is within 1e-4 (relative) of a
tie, so float32 norms cannot take the other branch.
"""

from __future__ import annotations

import math
import os
import sys
from typing import Any

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_vectors import dump, f32_token, f64_token  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'vectors', 'guards.json')
SEED = 20250613
EPS = 1e-6  # added to the norm in AdaGC's coefficients (torch clip_grad_norm_'s)
TIE_MARGIN = 1e-4


def f32(t: torch.Tensor) -> torch.Tensor:
    """Round to float32 and back: the value the TS side reads."""
    return t.to(torch.float32).to(torch.float64)


def enc32(t: torch.Tensor) -> list[Any]:
    return [f32_token(v) for v in t.to(torch.float32).reshape(-1).tolist()]


def enc64(t: torch.Tensor) -> list[Any]:
    return [f64_token(v) for v in t.reshape(-1).tolist()]


# ------------------------------------------------------------------ AdaGC ---

def far_from_tie(a: float, b: float, what: str) -> None:
    if a == b == 0:
        return
    if abs(a - b) <= TIE_MARGIN * max(abs(a), abs(b)):
        raise AssertionError(f'{what}: {a} and {b} are within {TIE_MARGIN} of a tie; change the inputs')


class AdaGCRef:
    """AdaGC on float64 tensors, one call per step."""

    def __init__(self, beta: float, lambda_abs: float, lambda_rel: float, warmup: int) -> None:
        self.beta, self.lambda_abs, self.lambda_rel, self.warmup = beta, lambda_abs, lambda_rel, warmup
        self.t = 0
        self.gamma: dict[str, torch.Tensor] = {}

    def step(self, grads: dict[str, torch.Tensor | None]) -> dict[str, Any]:
        live = {k: g for k, g in grads.items() if g is not None}
        norms = {k: torch.linalg.vector_norm(g) for k, g in live.items()}
        total = torch.linalg.vector_norm(torch.stack(list(norms.values()))) if norms else torch.tensor(0.0, dtype=torch.float64)
        assert torch.isfinite(total)
        self.t += 1
        warm = self.t <= self.warmup
        out: dict[str, torch.Tensor] = {}
        coefs: dict[str, float] = {}
        if warm:
            h = self.lambda_abs / (total + EPS)
            far_from_tie(float(h), 1.0, f'warm-up step {self.t}: coefficient')
            for k, g in live.items():
                o = g * h if h < 1 else g.clone()
                out[k] = o
                clipped_norm = torch.linalg.vector_norm(o)  # the reference measures the clipped tensor
                self.gamma[k] = clipped_norm if k not in self.gamma else torch.minimum(self.gamma[k], clipped_norm)
                coefs[k] = float(h) if h < 1 else 1.0
        else:
            for k, g in live.items():
                n = norms[k]
                if k not in self.gamma:
                    self.gamma[k] = n.clone()
                gamma = self.gamma[k]
                threshold = self.lambda_rel * gamma
                far_from_tie(float(n), float(threshold), f'step {self.t}, tensor {k}')
                if n > threshold:
                    c = threshold / (n + EPS)
                    out[k] = g * c
                    fed = threshold
                    coefs[k] = float(c)
                else:
                    out[k] = g.clone()
                    fed = n
                    coefs[k] = 1.0
                self.gamma[k] = gamma * self.beta + fed * (1 - self.beta)
        post = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(o) for o in out.values()])) if out else total
        return {
            'updates': {k: (enc64(out[k]) if k in out else None) for k in grads},
            'gamma': {k: f64_token(float(v)) for k, v in self.gamma.items()},
            'preClipNorm': f64_token(float(total)),
            'postClipNorm': f64_token(float(post)),
            'clipped': any(c != 1.0 for c in coefs.values()),
            'warmup': warm,
        }


def adagc_case(cid: str, note: str, options: dict[str, Any], shapes: dict[str, list[int]],
               grads_per_step: list[dict[str, torch.Tensor | None]]) -> dict[str, Any]:
    o = {'beta': 0.98, 'lambdaAbs': 1.0, 'lambdaRel': 1.05, 'warmupSteps': 100, **options}
    ref = AdaGCRef(o['beta'], o['lambdaAbs'], o['lambdaRel'], o['warmupSteps'])
    steps = []
    for grads in grads_per_step:
        g64 = {k: (None if g is None else f32(g)) for k, g in grads.items()}
        steps.append({'grads': {k: (None if g is None else enc32(g)) for k, g in g64.items()}, 'expect': ref.step(g64)})
    return {'id': cid, 'note': note, 'options': options, 'shapes': shapes, 'steps': steps}


def randn(gen: torch.Generator, shape: list[int], scale: float) -> torch.Tensor:
    return torch.randn(shape, generator=gen, dtype=torch.float64) * scale


def adagc_cases() -> list[dict[str, Any]]:
    gen = torch.Generator().manual_seed(SEED)
    cases = []

    # 1. a spike after warm-up, an absent gradient, norms drifting down
    shapes = {'dense/kernel': [3, 4], 'dense/bias': [4], 'out/kernel': [4, 2]}
    seq = []
    for t in range(1, 15):
        scale = 0.4 * 0.93 ** t
        g: dict[str, torch.Tensor | None] = {k: randn(gen, s, scale) for k, s in shapes.items()}
        if t == 9:
            g['dense/kernel'] = g['dense/kernel'] * 30  # the spike
        if t == 11:
            g['dense/bias'] = None  # no gradient this step
        seq.append(g)
    cases.append(adagc_case('spike', 'defaults with warmupSteps 4; a 30x spike of dense/kernel at step 9; dense/bias absent at step 11', {'warmupSteps': 4}, shapes, seq))

    # 2. the warm-up boundary: clipped and unclipped warm-up steps, a tensor first seen after warm-up
    shapes = {'a': [5], 'b': [2, 2], 'late': [3]}
    seq = []
    for t, s in enumerate([0.5, 0.1, 0.45, 0.2, 0.6, 0.3, 0.12], start=1):
        g = {'a': randn(gen, [5], s), 'b': randn(gen, [2, 2], s * 0.5), 'late': randn(gen, [3], s) if t >= 5 else None}
        seq.append(g)
    cases.append(adagc_case('warmup-boundary', 'warmupSteps 3, lambdaAbs 0.5, beta 0.9, lambdaRel 1.2; global clip on steps 1 and 3 only; "late" first appears at step 5 (gamma starts at its norm)',
                            {'warmupSteps': 3, 'lambdaAbs': 0.5, 'beta': 0.9, 'lambdaRel': 1.2}, shapes, seq))

    # 3. zero gradients: during warm-up (gamma 0: the tensor is zeroed afterwards), after warm-up, and all zero
    shapes = {'a': [4], 'b': [3]}
    z = lambda n: torch.zeros([n], dtype=torch.float64)  # noqa: E731
    seq = [
        {'a': z(4), 'b': randn(gen, [3], 0.3)},
        {'a': randn(gen, [4], 0.2), 'b': randn(gen, [3], 0.3)},
        {'a': randn(gen, [4], 0.2), 'b': randn(gen, [3], 0.31)},
        {'a': randn(gen, [4], 0.2), 'b': z(3)},
        {'a': z(4), 'b': z(3)},
        {'a': randn(gen, [4], 0.2), 'b': randn(gen, [3], 0.001)},
    ]
    cases.append(adagc_case('zero-gradients', 'warmupSteps 2; a is zero at warm-up step 1, so gamma_a = 0 and a is zeroed after warm-up (as in the reference code); b zero at step 4; all zero at step 5',
                            {'warmupSteps': 2}, shapes, seq))

    # 4. the defaults (100 warm-up steps), across the boundary, with a spike after it
    shapes = {'w': [3], 'v': [2, 2]}
    seq = []
    for t in range(1, 104):
        s = 0.8 * (1 + 0.3 * math.sin(t / 7))
        g = {'w': randn(gen, [3], s), 'v': randn(gen, [2, 2], s * 0.4)}
        if t == 102:
            g['w'] = g['w'] * 8
        seq.append(g)
    cases.append(adagc_case('defaults', 'all defaults (beta 0.98, lambdaAbs 1, lambdaRel 1.05, warmupSteps 100), 103 steps; an 8x spike of w at step 102', {}, shapes, seq))
    return cases


# ------------------------------------------------------------ StableAdamW ---

def stable_adamw(init: dict[str, torch.Tensor], grads_per_step: list[dict[str, torch.Tensor]], o: dict[str, Any]) -> list[dict[str, Any]]:
    lr, b1, b2, eps, wd = o['learningRate'], o['beta1'], o['beta2'], o['epsilon'], o['weightDecay']
    exclude: list[str] = o.get('excludeFromWeightDecay', [])
    theta = {k: v.clone() for k, v in init.items()}
    theta2 = {k: v.clone() for k, v in init.items()}
    u = {k: torch.zeros_like(v) for k, v in init.items()}
    v = {k: torch.zeros_like(x) for k, x in init.items()}
    m2 = {k: torch.zeros_like(x) for k, x in init.items()}
    v2 = {k: torch.zeros_like(x) for k, x in init.items()}
    out = []
    for t, grads in enumerate(grads_per_step, start=1):
        b1h = b1 * (1 - b1 ** (t - 1)) / (1 - b1 ** t)
        b2h = b2 * (1 - b2 ** (t - 1)) / (1 - b2 ** t)
        rms_of: dict[str, float] = {}
        for k, g in grads.items():
            decays = not any(p in k for p in exclude)
            # the paper's form (debiased betas)
            v[k] = b2h * v[k] + (1 - b2h) * g * g
            u[k] = b1h * u[k] + (1 - b1h) * g
            rms = torch.sqrt(torch.mean(g * g / torch.clamp(v[k], min=eps * eps)))
            eta = lr / max(1.0, float(rms))
            if decays:
                theta[k] = theta[k] - eta * wd * theta[k]
            theta[k] = theta[k] - eta * u[k] / (torch.sqrt(v[k]) + eps)
            rms_of[k] = float(rms)
            # cross-check: Adam's usual bias correction
            m2[k] = b1 * m2[k] + (1 - b1) * g
            v2[k] = b2 * v2[k] + (1 - b2) * g * g
            mh, vh = m2[k] / (1 - b1 ** t), v2[k] / (1 - b2 ** t)
            rms2 = torch.sqrt(torch.mean(g * g / torch.clamp(vh, min=eps * eps)))
            eta2 = lr / max(1.0, float(rms2))
            theta2[k] = theta2[k] * (1 - eta2 * wd) if decays else theta2[k]
            theta2[k] = theta2[k] - eta2 * mh / (torch.sqrt(vh) + eps)
            assert torch.allclose(theta[k], theta2[k], rtol=1e-12, atol=1e-14), (k, t)
        out.append({'grads': {k: enc32(g) for k, g in grads.items()},
                    'expect': {'weights': {k: enc64(x) for k, x in theta.items()}, 'rms': {k: f64_token(r) for k, r in rms_of.items()}}})
    return out


def stable_cases() -> list[dict[str, Any]]:
    gen = torch.Generator().manual_seed(SEED + 1)
    cases = []
    # 1. small steady gradients then spikes: RMS > 1 on the spikes, weight decay with an exclusion
    shapes = {'dense/kernel': [3, 4], 'dense/bias': [4]}
    init = {k: f32(randn(gen, s, 0.5)) for k, s in shapes.items()}
    seq = []
    for t in range(1, 10):
        scale = 20.0 if t in (5, 8) else 0.02
        seq.append({k: f32(randn(gen, s, scale)) for k, s in shapes.items()})
    o = {'learningRate': 0.01, 'beta1': 0.9, 'beta2': 0.99, 'epsilon': 1e-8, 'weightDecay': 0.1, 'excludeFromWeightDecay': ['bias']}
    steps = stable_adamw(init, seq, o)
    assert any(float(s['expect']['rms']['dense/kernel'].text) > 1 for s in steps), 'update clipping must bind somewhere'
    assert any(float(s['expect']['rms']['dense/kernel'].text) < 1 for s in steps)
    cases.append({'id': 'spikes', 'note': 'gradients of scale 0.02 with 1000x spikes at steps 5 and 8 (RMS > 1 there); decay 0.1 except on "bias"',
                  'options': o, 'init': {k: {'shape': shapes[k], 'values': enc32(v)} for k, v in init.items()}, 'steps': steps})

    # 2. the eps^2 floor (tiny gradients, exact zeros), no weight decay, beta2 0.999
    shapes = {'tiny': [5], 'mixed': [2, 3]}
    init = {k: f32(randn(gen, s, 1.0)) for k, s in shapes.items()}
    seq = []
    for t in range(1, 7):
        tiny = f32(randn(gen, [5], 1e-9))
        mixed = f32(randn(gen, [2, 3], 0.3 if t != 4 else 30.0))
        mixed.reshape(-1)[0] = 0.0
        seq.append({'tiny': tiny, 'mixed': mixed})
    o = {'learningRate': 0.003, 'beta1': 0.8, 'beta2': 0.999, 'epsilon': 1e-8, 'weightDecay': 0.0}
    steps = stable_adamw(init, seq, o)
    assert any(float(s['expect']['rms']['mixed'].text) > 1 for s in steps)
    cases.append({'id': 'eps-floor', 'note': 'gradients of about 1e-9 (v-hat below eps^2 = 1e-16: the floor decides RMS), exact zeros, a 100x spike at step 4; no decay',
                  'options': o, 'init': {k: {'shape': shapes[k], 'values': enc32(v)} for k, v in init.items()}, 'steps': steps})
    return cases


def main() -> None:
    torch.set_num_threads(1)
    doc = {
        'format': 'gradclip-guard-vectors/1',
        'generator': 'scripts/gen_guard_vectors.py (run with /usr/bin/python3, Debian python3-torch)',
        'torch': torch.__version__,
        'seed': SEED,
        'encoding': {
            'inputs': 'float32 values as the shortest decimal that round-trips to the same float32; "NaN", "Infinity", "-Infinity" as strings',
            'references': 'float64 values (Python repr); non-finite as strings',
            'adaGC': 'options: the transforms.adaGC options (others default); shapes: variable -> shape; steps[i].grads: variable -> values or null (absent); expect: updates (null where absent), gamma after the step, preClipNorm, postClipNorm, clipped, warmup',
            'stableAdamW': 'options: the adamw options (updateClipping: true implied); init: variable -> {shape, values}; steps[i].grads: variable -> values, applied in this key order; expect.weights after the step; expect.rms: each variable\'s RMS(g^2 / max(v-hat, eps^2)) (documentation: lr is divided by max(1, rms))',
        },
        'adaGC': adagc_cases(),
        'stableAdamW': stable_cases(),
    }
    text = dump(doc) + '\n'
    with open(OUT, 'w') as f:
        f.write(text)
    print(f'wrote {os.path.relpath(OUT)}: {len(doc["adaGC"])} AdaGC cases, {len(doc["stableAdamW"])} StableAdamW cases, {len(text)} bytes', file=sys.stderr)


if __name__ == '__main__':
    np.random.seed(0)
    main()
