#!/usr/bin/env python3
"""Generate the reference vectors of gradclip's gradient-flow measurement.

Run offline (the library and CI never need Python):

    /usr/bin/python3 scripts/gen_flow_vectors.py     # writes test/vectors/flow.json

Written for Debian's python3-numpy and python3-torch 1.13 (CPU). Every
reference is float64.

File format (``format: gradclip-flow-vectors/1``):

* ``linalg``: matrices with numpy's ``linalg.svd`` (largest singular value),
  ``linalg.eigvals`` (eigenvalues, unordered) and their largest modulus.
  A matrix is given inline (``matrix``: row-major float64 numbers) or by the
  recipe ``lcg: {seed, scale}``: entry k (row-major) is
  ``scale * (s_k / 2**31 - 1)`` with ``s_0 = seed``,
  ``s_{k+1} = (1664525 * s_k + 1013904223) mod 2**32`` and the entry using
  ``s_{k+1}`` (so every entry is an exact float64 in (-scale, scale)).
  ``colScale`` (optional) multiplies column j by ``colScale[j]`` afterwards
  (badly scaled matrices).
* ``growth``: ``fitGrowth`` cases: ``exp(-slope)`` of the least-squares line
  through ``(t, ln n_t)`` over the positive finite norms (numpy.polyfit).
* ``rnn``: a tanh RNN ``h_t = tanh(x_t W_hx + h_{t-1} W_hh + b_h)``,
  ``h_0 = 0``, loss ``mean((h_T W_hy + b_y - y)^2)`` over the batch; weights
  and inputs are float32 values (written exactly), the reference
  ``timeNorms[t-1] = ||dL/dh_t||`` (Frobenius over the batch, the total
  derivative) comes from ``torch.autograd`` in float64 with ``retain_grad``.
* ``lstm`` / ``gru``: the cells of ``packages/cli/src/tasks/models`` (LSTM gate
  order i, f, g, o; GRU z, r, n with the reset gate before ``U_n``, Cho et
  al. 2014), kernels in TF.js's ``[in, out]`` layout. ``meanJacobian`` is the
  mean over batch and time (t = 1..T) of the state-to-state Jacobian from
  ``torch.autograd.functional.jacobian`` (row = output unit, column = input
  unit): the state is ``(h, c)`` for the LSTM (2H x 2H, h first) and ``h``
  for the GRU; ``timeNorms`` are the norms of the total derivative of the
  loss ``mean((h_T W_y + b_y - y)^2)`` with respect to that state as it is
  carried to the next step (zero leaves added to the state, their
  ``.grad``): for the LSTM, ``dL/dc_t`` is then the gradient through
  ``c_{t+1}`` only, since ``h_t`` is its own part of the state.
* ``orthogonal``: an 8 x 8 orthogonal matrix (numpy QR of a Gaussian one) for
  the linear RNN check ``||dL/dh_t|| = rho^(T-t) ||dL/dh_T||``.
"""
import json
import os

import numpy as np
import torch

torch.set_default_dtype(torch.float64)
OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'vectors', 'flow.json')


def lcg_matrix(rows, cols, seed, scale):
    s = seed
    out = np.empty(rows * cols)
    for k in range(rows * cols):
        s = (1664525 * s + 1013904223) % 2**32
        out[k] = scale * (s / 2**31 - 1)
    return out.reshape(rows, cols)


def describe(name, a, spec):
    rows, cols = a.shape
    case = {'name': name, 'rows': rows, 'cols': cols, **spec}
    case['spectralNorm'] = float(np.linalg.svd(a, compute_uv=False)[0]) if a.any() else 0.0
    if rows == cols:
        ev = np.linalg.eigvals(a)
        case['eigRe'] = [float(x) for x in ev.real]
        case['eigIm'] = [float(x) for x in ev.imag]
        case['spectralRadius'] = float(np.max(np.abs(ev)))
    return case


def linalg_cases():
    cases = []
    for (r, c, seed, scale) in [(3, 3, 1, 1.0), (10, 10, 2, 1.0), (50, 50, 3, 1.0), (50, 50, 4, 1e-3), (100, 100, 5, 1e3),
                                (200, 200, 6, 1.0), (30, 70, 7, 1.0), (70, 30, 8, 1.0), (1, 5, 9, 2.0), (5, 1, 10, 2.0), (1, 1, 11, 1.0)]:
        a = lcg_matrix(r, c, seed, scale)
        cases.append(describe(f'lcg {r}x{c} scale {scale}', a, {'lcg': {'seed': seed, 'scale': scale}}))
    # Badly scaled columns (balancing matters).
    col_scale = [10.0 ** (k % 7 - 3) for k in range(20)]
    a = lcg_matrix(20, 20, 12, 1.0) * np.array(col_scale)[None, :]
    cases.append(describe('lcg 20x20 with columns scaled 1e-3..1e3', a, {'lcg': {'seed': 12, 'scale': 1.0}, 'colScale': col_scale}))
    th = 0.7
    rot = np.array([[np.cos(th), -np.sin(th)], [np.sin(th), np.cos(th)]])
    cases.append(describe('rotation 2x2 by 0.7 rad (complex pair)', rot, {'matrix': rot.ravel().tolist()}))
    blocks = np.zeros((6, 6))
    for k, (rho, ang) in enumerate([(1.1, 0.3), (0.9, 2.0), (0.5, 1.0)]):
        blocks[2 * k:2 * k + 2, 2 * k:2 * k + 2] = rho * np.array([[np.cos(ang), -np.sin(ang)], [np.sin(ang), np.cos(ang)]])
    q, _ = np.linalg.qr(lcg_matrix(6, 6, 13, 1.0))
    mixed = q @ blocks @ q.T
    cases.append(describe('three scaled rotations in a random orthonormal basis', mixed, {'matrix': mixed.ravel().tolist()}))
    perm = np.roll(np.eye(7), 1, axis=0)
    cases.append(describe('cyclic permutation 7x7 (eigenvalues: the 7th roots of unity)', perm, {'matrix': perm.ravel().tolist()}))
    jordan = 0.7 * np.eye(4) + np.diag(np.ones(3), 1)
    cases.append(describe('Jordan block 4x4, eigenvalue 0.7 (defective)', jordan, {'matrix': jordan.ravel().tolist()}))
    jordan2 = np.array([[1.0, 1.0], [0.0, 1.0]])
    p = np.array([[2.0, 1.0], [1.0, 1.0]])
    defective = p @ jordan2 @ np.linalg.inv(p)
    cases.append(describe('defective 2x2 similar to [[1,1],[0,1]]', defective, {'matrix': defective.ravel().tolist()}))
    s = lcg_matrix(40, 40, 14, 1.0)
    sym = s + s.T
    cases.append(describe('symmetric 40x40', sym, {'matrix': sym.ravel().tolist()}))
    cases.append(describe('zero 6x6', np.zeros((6, 6)), {'matrix': [0.0] * 36}))
    cases.append(describe('zero 3x5', np.zeros((3, 5)), {'matrix': [0.0] * 15}))
    ones = np.ones((5, 5))
    cases.append(describe('all ones 5x5 (rank 1)', ones, {'matrix': ones.ravel().tolist()}))
    nil = np.triu(lcg_matrix(8, 8, 15, 1.0), 1)
    cases.append(describe('strictly upper triangular 8x8 (nilpotent)', nil, {'matrix': nil.ravel().tolist()}))
    return cases


def growth_cases():
    out = []
    rng = np.random.default_rng(3)
    for name, norms in [
        ('geometric 1.1', [1.1 ** (20 - t) for t in range(1, 21)]),
        ('geometric 0.8', [0.8 ** (10 - t) * 3.0 for t in range(1, 11)]),
        ('noisy', list(np.exp(rng.normal(size=15) + 0.2 * np.arange(15)))),
        ('with zeros, NaN and Infinity', [0.0, 2.0, 'NaN', 1.5, 'Infinity', 1.0, 0.0, 0.7]),
        ('one usable norm', [0.0, 2.0, 'NaN']),
        ('empty', []),
    ]:
        ts = [t + 1 for t, x in enumerate(norms) if not isinstance(x, str) and x > 0 and np.isfinite(x)]
        ys = [np.log(x) for x in norms if not isinstance(x, str) and x > 0 and np.isfinite(x)]
        growth = float(np.exp(-np.polyfit(ts, ys, 1)[0])) if len(ts) >= 2 else None
        out.append({'name': name, 'timeNorms': [x if isinstance(x, str) else float(x) for x in norms], 'growth': growth})
    return out


def f32(a):
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def flat(a):
    return [float(x) for x in np.asarray(a).ravel()]


def rnn_case(name, seed, std, D=2, H=6, T=12, B=3):
    g = np.random.default_rng(seed)
    w = {
        'W_hx': f32(g.normal(0, 0.5, (D, H))),
        'W_hh': f32(g.normal(0, std, (H, H))),
        'b_h': f32(g.normal(0, 0.1, (H,))),
        'W_hy': f32(g.normal(0, 0.5, (H, 1))),
        'b_y': f32(g.normal(0, 0.1, (1,))),
    }
    x = f32(g.normal(0, 1, (T, B, D)))
    y = f32(g.normal(0, 1, (B, 1)))
    t = {k: torch.tensor(v, requires_grad=True) for k, v in w.items()}
    h = torch.zeros(B, H)
    states = []
    for s in range(T):
        h = torch.tanh(torch.tensor(x[s]) @ t['W_hx'] + h @ t['W_hh'] + t['b_h'])
        h.retain_grad()
        states.append(h)
    loss = ((h @ t['W_hy'] + t['b_y'] - torch.tensor(y)) ** 2).mean()
    loss.backward()
    norms = [float(s.grad.norm()) for s in states]
    return {
        'name': name, 'D': D, 'H': H, 'T': T, 'B': B,
        'weights': {k: flat(v) for k, v in w.items()}, 'x': flat(x), 'y': flat(y),
        'loss': float(loss), 'timeNorms': norms,
        'spectralNorm': float(np.linalg.svd(w['W_hh'], compute_uv=False)[0]),
        'spectralRadius': float(np.max(np.abs(np.linalg.eigvals(w['W_hh'])))),
    }


def lstm_step(xz, h, c, Wh, H):
    z = xz + h @ Wh
    i, f, gg, o = (z[..., k * H:(k + 1) * H] for k in range(4))
    c2 = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(gg)
    h2 = torch.sigmoid(o) * torch.tanh(c2)
    return h2, c2


def gru_step(xz, h, Wh, H):
    xz_, xr, xn = (xz[..., k * H:(k + 1) * H] for k in range(3))
    Uz, Ur, Un = (Wh[:, k * H:(k + 1) * H] for k in range(3))
    z = torch.sigmoid(xz_ + h @ Uz)
    r = torch.sigmoid(xr + h @ Ur)
    n = torch.tanh(xn + (r * h) @ Un)
    return z * h + (1 - z) * n


def gated_case(kind, seed, std, D=3, H=5, T=7, B=4):
    g = np.random.default_rng(seed)
    gates = 4 if kind == 'lstm' else 3
    w = {
        'W_x': f32(g.normal(0, 0.5, (D, gates * H))),
        'W_h': f32(g.normal(0, std, (H, gates * H))),
        'b': f32(g.normal(0, 0.3, (gates * H,))),
        'W_y': f32(g.normal(0, 0.5, (H, 1))),
        'b_y': f32(g.normal(0, 0.1, (1,))),
    }
    x = f32(g.normal(0, 1, (T, B, D)))
    y = f32(g.normal(0, 1, (B, 1)))
    t = {k: torch.tensor(v, requires_grad=True) for k, v in w.items()}
    xz = [torch.tensor(x[s]) @ t['W_x'] + t['b'] for s in range(T)]
    h = torch.zeros(B, H)
    c = torch.zeros(B, H)
    states = []
    jac_sum = None
    for s in range(T):
        hp, cp = h.detach(), c.detach()
        for b in range(B):
            if kind == 'lstm':
                def step(state, s=s, b=b):
                    h2, c2 = lstm_step(xz[s][b].detach(), state[:H], state[H:], t['W_h'], H)
                    return torch.cat([h2, c2])
                j = torch.autograd.functional.jacobian(step, torch.cat([hp[b], cp[b]]))
            else:
                j = torch.autograd.functional.jacobian(lambda hh, s=s, b=b: gru_step(xz[s][b].detach(), hh, t['W_h'], H), hp[b])
            jac_sum = j if jac_sum is None else jac_sum + j
        # The state carried to step s+1 is (h, c) + zero leaves: their gradients
        # are the total derivatives with respect to the state as a whole.
        if kind == 'lstm':
            h2, c2 = lstm_step(xz[s], h, c, t['W_h'], H)
            zh = torch.zeros(B, H, requires_grad=True)
            zc = torch.zeros(B, H, requires_grad=True)
            h, c = h2 + zh, c2 + zc
            states.append((zh, zc))
        else:
            zh = torch.zeros(B, H, requires_grad=True)
            h = gru_step(xz[s], h, t['W_h'], H) + zh
            states.append((zh,))
    loss = ((h @ t['W_y'] + t['b_y'] - torch.tensor(y)) ** 2).mean()
    loss.backward()
    norms = [float(torch.sqrt(sum((p.grad ** 2).sum() for p in st if p.grad is not None))) for st in states]
    mean_j = (jac_sum / (T * B)).numpy()
    return {
        'name': f'{kind} D={D} H={H} T={T} B={B} recurrent std {std}', 'kind': kind, 'D': D, 'H': H, 'T': T, 'B': B,
        'weights': {k: flat(v) for k, v in w.items()}, 'x': flat(x), 'y': flat(y),
        'loss': float(loss), 'timeNorms': norms, 'meanJacobian': flat(mean_j), 'size': mean_j.shape[0],
        'spectralNorm': float(np.linalg.svd(mean_j, compute_uv=False)[0]),
        'spectralRadius': float(np.max(np.abs(np.linalg.eigvals(mean_j)))),
    }


def main():
    q, r = np.linalg.qr(np.random.default_rng(5).normal(size=(8, 8)))
    q = q * np.sign(np.diag(r))[None, :]
    data = {
        'format': 'gradclip-flow-vectors/1',
        'generator': 'scripts/gen_flow_vectors.py',
        'numpy': np.__version__,
        'torch': torch.__version__,
        'linalg': linalg_cases(),
        'growth': growth_cases(),
        'rnn': [rnn_case('tanh rnn, recurrent std 0.6 (growing)', 1, 0.6), rnn_case('tanh rnn, recurrent std 0.15 (vanishing)', 2, 0.15)],
        'lstm': [gated_case('lstm', 3, 0.5), gated_case('lstm', 4, 1.5)],
        'gru': [gated_case('gru', 5, 0.5), gated_case('gru', 6, 1.5)],
        'orthogonal': {'n': 8, 'matrix': flat(q)},
    }
    with open(OUT, 'w') as fh:
        json.dump(data, fh, indent=None, separators=(',', ':'))
        fh.write('\n')
    print(f'wrote {OUT}: {os.path.getsize(OUT)} bytes')


if __name__ == '__main__':
    main()
