/**
 * WGSL programs of `GradclipGlobalNorm` on WebGPU (run with tfjs-backend-webgpu's
 * `runWebGPUProgram`); the arithmetic is described in `./norm-scheme.ts`.
 *
 * - {@link PartialNormProgram}: reads up to `maxStorageBuffersPerShaderStage - 1`
 *   tensors in one dispatch. Each workgroup of {@link WG} invocations takes a
 *   chunk of one tensor; invocation l reads steps `l, l + WG, l + 2·WG, ...`
 *   of it (four elements per step, a `vec4<f32>` load when the size is a
 *   multiple of 4; four steps per loop turn) and writes its raw accumulators,
 *   one {@link RAW_FLOATS}-float raw record, at its own index of a records
 *   buffer shared by every partial dispatch of the call. No workgroup memory
 *   and no barrier (WebGPU zero-initialises workgroup memory behind a barrier,
 *   which costs more than the work on CPU implementations such as SwiftShader).
 * - {@link FinalNormProgram}: one workgroup adds all raw records (the three
 *   accumulators have fixed scales, so they add as they are), turns them
 *   into one normalised record and writes the float32 norm.
 *
 * Raw record: `(bigS, bigC, midS, midC), (smallS, smallC, maxHi, maxLo)`:
 * three Kahan pairs (value `S - C`) and the largest magnitude bit pattern
 * seen, as two 16-bit halves (exact in float32).
 */
import { ALIGN_DROP, INF_BITS, integerPower, type SumScheme } from './norm-scheme.js';
import type { WebGPUProgramLike } from './types.js';

/** Invocations per workgroup. */
export const WG = 64;

/** Floats per raw record (two `vec4<f32>`). */
export const RAW_FLOATS = 8;

/** What a pass accumulates. */
export type NormMode =
  | { kind: 'sum'; scheme: SumScheme }
  | { kind: 'max' }
  | { kind: 'pow'; p: number };

const u = (n: number): string => `${n >>> 0}u`;

/** WGSL helpers: powers of two, Kahan pairs, normalised records `(hi, lo, e, flag)`. */
const ARITH_WGSL = `
fn gcP2(n : i32) -> f32 { return bitcast<f32>(u32(n + 127) << 23u); }
fn gcLdexp(x : f32, n : i32) -> f32 { let h = n / 2; return x * gcP2(h) * gcP2(n - h); }
fn gcLdexpOut(x : f32, n : i32) -> f32 {
  let b = bitcast<u32>(x);
  let ex = i32((b >> 23u) & 0xffu) - 127;
  if (x == 0.0 || ex + n >= -126) { return gcLdexp(x, n); }
  if (ex + n < -151) { return 0.0; }
  return bitcast<f32>(u32(round(gcLdexp(x, n + 149))));
}
fn gcScaleUp(a : vec4<u32>) -> vec4<f32> {
  return select(vec4<f32>(a) * gcP2(-49), bitcast<vec4<f32>>(a + vec4<u32>(${u(100 << 23)})), a >= vec4<u32>(0x00800000u));
}
fn gcKahan(acc : vec2<f32>, y : f32) -> vec2<f32> {
  let yy = y - acc.y;
  let t = acc.x + yy;
  return vec2<f32>(t, (t - acc.x) - yy);
}
fn gcPairAdd(a : vec2<f32>, b : vec2<f32>) -> vec2<f32> {
  let s = a.x + b.x;
  let bp = s - a.x;
  let low = ((a.x - (s - bp)) + (b.x - bp)) - a.y - b.y;
  let t = s + low;
  return vec2<f32>(t, (t - s) - low);
}
fn gcNorm(r : vec4<f32>) -> vec4<f32> {
  var s = r.x + r.y;
  var lo = r.y - (s - r.x);
  var e = r.z;
  if (s == 0.0) { return vec4<f32>(0.0, 0.0, 0.0, r.w); }
  if ((bitcast<u32>(s) & 0x7f800000u) == 0u) {
    s = s * 18446744073709551616.0;
    lo = lo * 18446744073709551616.0;
    e = e - 64.0;
  }
  let b = bitcast<u32>(s);
  let k = i32((b >> 23u) & 0xffu) - 127;
  let hi = bitcast<f32>((b & 0x007fffffu) | 0x3f800000u);
  return vec4<f32>(hi, gcLdexp(lo, -k), e + f32(k), r.w);
}
fn gcShift(v : vec2<f32>, d : i32) -> vec2<f32> {
  if (d < ${ALIGN_DROP}) { return vec2<f32>(0.0); }
  return v * gcP2(d);
}
fn gcAdd(a : vec4<f32>, b : vec4<f32>) -> vec4<f32> {
  let f = max(a.w, b.w);
  if (b.x == 0.0) { return vec4<f32>(a.xyz, f); }
  if (a.x == 0.0) { return vec4<f32>(b.xyz, f); }
  let e = max(a.z, b.z);
  let av = gcShift(a.xy, i32(a.z - e));
  let bv = gcShift(b.xy, i32(b.z - e));
  let s = av.x + bv.x;
  let bp = s - av.x;
  let err = (av.x - (s - bp)) + (bv.x - bp);
  return gcNorm(vec4<f32>(s, err + av.y + bv.y, e, f));
}
fn gcFromPair(p : vec2<f32>, e : f32) -> vec4<f32> { return gcNorm(vec4<f32>(p.x, -p.y, e, 0.0)); }
fn gcFlag(m : u32) -> f32 { return select(select(0.0, 1.0, m == ${u(INF_BITS)}), 2.0, m > ${u(INF_BITS)}); }
var<private> gcAccB : vec2<f32>;
var<private> gcAccM : vec2<f32>;
var<private> gcAccS : vec2<f32>;
var<private> gcUmaxV : vec4<u32>;
var<private> gcM : f32;
var<private> gcMSmall : bool;
fn gcSetMax(m : f32) {
  let mb = bitcast<u32>(m) & 0x7fffffffu;
  gcMSmall = mb < ${u((127 - 60) << 23)};
  gcM = select(m, gcScaleUp(vec4<u32>(mb)).x, gcMSmall);
}
`;

/** `gcStep(v0, v1, v2, v3)` for a sum mode: one range check per 16 values, slow path per vec4 when needed. */
function sumStep(s: SumScheme): string {
  const term = s.p === 2 ? 'dot(t, t)' : '(t.x + t.y) + (t.z + t.w)';
  const mid = (m: string): string => `${m} <= ${u(s.midHiBits)} && (${m} >= ${u(s.midLoBits)} || ${m} == 0u)`;
  // p = 2 squares the signed values; p = 1 needs the magnitudes
  const val = (i: number): string => (s.p === 2 ? `v${i}` : `bitcast<vec4<f32>>(a${i})`);
  return `
fn gcTerm(t : vec4<f32>) -> f32 { return ${term}; }
fn gcSlow(a : vec4<u32>) {
  let m = max(max(a.x, a.y), max(a.z, a.w));
  if (${mid('m')}) {
    gcAccM = gcKahan(gcAccM, gcTerm(bitcast<vec4<f32>>(a)));
  } else if (m < ${u(INF_BITS)}) {
    if (m > ${u(s.midHiBits)}) {
      let sh = vec4<u32>(${u(s.bigShift << 23)});
      let t = select(vec4<f32>(0.0), bitcast<vec4<f32>>(a - sh), a > sh);
      gcAccB = gcKahan(gcAccB, gcTerm(t));
    } else {
      let t = select(vec4<f32>(a) * gcP2(${s.subExp}), bitcast<vec4<f32>>(a + vec4<u32>(${u(s.smallShift << 23)})), a >= vec4<u32>(0x00800000u));
      gcAccS = gcKahan(gcAccS, gcTerm(t));
    }
  }
}
fn gcStep(v0 : vec4<f32>, v1 : vec4<f32>, v2 : vec4<f32>, v3 : vec4<f32>) {
  let mask = vec4<u32>(0x7fffffffu);
  let a0 = bitcast<vec4<u32>>(v0) & mask;
  let a1 = bitcast<vec4<u32>>(v1) & mask;
  let a2 = bitcast<vec4<u32>>(v2) & mask;
  let a3 = bitcast<vec4<u32>>(v3) & mask;
  let mv = max(max(a0, a1), max(a2, a3));
  gcUmaxV = max(gcUmaxV, mv);
  let m = max(max(mv.x, mv.y), max(mv.z, mv.w));
  if (${mid('m')}) {
    gcAccM = gcKahan(gcAccM, (gcTerm(${val(0)}) + gcTerm(${val(1)})) + (gcTerm(${val(2)}) + gcTerm(${val(3)})));
  } else {
    gcSlow(a0);
    gcSlow(a1);
    gcSlow(a2);
    gcSlow(a3);
  }
}`;
}

/** WGSL expression of `t^p` for a vec4 `t` of values in [0, 1]. */
function powExpr(p: number): string {
  const k = integerPower(p);
  if (k === undefined) return 'select(pow(t, vec4<f32>(uniforms.p)), vec4<f32>(0.0), t == vec4<f32>(0.0))';
  return new Array<string>(k).fill('t').join(' * ');
}

/** `gcStep` for pow mode: `Σ (|x| / m)^p` into the mid accumulator (every term ≤ 1). */
function powStep(p: number): string {
  return `
fn gcPowTerm(v : vec4<f32>) -> f32 {
  let a = bitcast<vec4<u32>>(v) & vec4<u32>(0x7fffffffu);
  var f = bitcast<vec4<f32>>(a);
  if (gcMSmall) { f = gcScaleUp(a); }
  let t = f / vec4<f32>(gcM);
  let q = ${powExpr(p)};
  return (q.x + q.y) + (q.z + q.w);
}
fn gcStep(v0 : vec4<f32>, v1 : vec4<f32>, v2 : vec4<f32>, v3 : vec4<f32>) {
  gcAccM = gcKahan(gcAccM, (gcPowTerm(v0) + gcPowTerm(v1)) + (gcPowTerm(v2) + gcPowTerm(v3)));
}`;
}

const MAX_STEP = `
fn gcStep(v0 : vec4<f32>, v1 : vec4<f32>, v2 : vec4<f32>, v3 : vec4<f32>) {
  let mask = vec4<u32>(0x7fffffffu);
  gcUmaxV = max(gcUmaxV, max(max(bitcast<vec4<u32>>(v0) & mask, bitcast<vec4<u32>>(v1) & mask),
                             max(bitcast<vec4<u32>>(v2) & mask, bitcast<vec4<u32>>(v3) & mask)));
}`;

const modeKey = (mode: NormMode): string =>
  mode.kind === 'sum' ? `sum${mode.scheme.p}` : mode.kind === 'pow' ? `pow${integerPower(mode.p) ?? 'p'}` : 'max';

/**
 * Raw partial sums (or maxima) of `components.length` tensors, bound flat as
 * `x0, x1, ...` (`vec4<f32>` where `components[i]` is 4, else `f32`), plus the
 * scalar `gcMaxIn` (max |x|) in pow mode. Output: the raw records buffer
 * (shared; passed as `output`), invocation l of workgroup w writing record
 * `(outOffset + w) · WG + l`.
 *
 * Uniforms: per tensor `units{i}` (4-element steps) and `wEnd{i}` (cumulative
 * workgroup count), for f32 inputs `len{i}` (elements); `chunk` (steps per
 * workgroup), `outOffset` (first workgroup's record block); `p` for a
 * non-integer order.
 */
export class PartialNormProgram implements WebGPUProgramLike {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [WG, 1, 1];
  variableNames: string[];
  variableComponents: number[];
  outputComponent = 4;
  uniforms: string;
  private readonly components: readonly number[];
  private readonly mode: NormMode;

  /**
   * @param components - per tensor 4 (`vec4` loads) or 1
   * @param mode - what to accumulate
   * @param workgroups - workgroups of this dispatch (≤ maxComputeWorkgroupsPerDimension)
   * @param recordsLength - floats in the shared records buffer (its logical shape)
   */
  constructor(components: readonly number[], mode: NormMode, workgroups: number, recordsLength: number) {
    this.components = components;
    this.mode = mode;
    this.outputShape = [recordsLength];
    this.dispatch = [workgroups, 1, 1];
    const k = components.length;
    this.variableNames = components.map((_, i) => `x${i}`);
    this.variableComponents = [...components];
    if (mode.kind === 'pow') {
      this.variableNames.push('gcMaxIn');
      this.variableComponents.push(1);
    }
    let uniforms = '';
    for (let i = 0; i < k; i++) uniforms += `units${i} : i32, wEnd${i} : i32, ${components[i] === 1 ? `len${i} : i32, ` : ''}`;
    uniforms += 'chunk : i32, outOffset : i32,';
    if (mode.kind === 'pow' && integerPower(mode.p) === undefined) uniforms += ' p : f32,';
    this.uniforms = uniforms;
    this.shaderKey = `gradclipPartialNorm_${modeKey(mode)}_${components.join('')}`;
  }

  /** Uniform values matching {@link PartialNormProgram.uniforms}, in order. */
  static uniformData(
    sizes: readonly number[],
    components: readonly number[],
    chunk: number,
    outOffset: number,
    p?: number,
  ): Array<{ type: 'int32' | 'float32'; data: number[] }> {
    const out: Array<{ type: 'int32' | 'float32'; data: number[] }> = [];
    let w = 0;
    sizes.forEach((n, i) => {
      const units = Math.ceil(n / 4);
      w += Math.ceil(units / chunk);
      out.push({ type: 'int32', data: [units] }, { type: 'int32', data: [w] });
      if (components[i] === 1) out.push({ type: 'int32', data: [n] });
    });
    out.push({ type: 'int32', data: [chunk] }, { type: 'int32', data: [outOffset] });
    if (p !== undefined) out.push({ type: 'float32', data: [p] });
    return out;
  }

  getUserCode(): string {
    const k = this.components.length;
    const mode = this.mode;
    const loads = this.components
      .map((c, i) =>
        c === 4
          ? `fn gcLoad${i}(q : i32) -> vec4<f32> { return x${i}[q]; }`
          : `fn gcLoad${i}(q : i32) -> vec4<f32> {
  let j = 4 * q;
  let n = uniforms.len${i};
  return vec4<f32>(x${i}[j], select(0.0, x${i}[min(j + 1, n - 1)], j + 1 < n),
                   select(0.0, x${i}[min(j + 2, n - 1)], j + 2 < n), select(0.0, x${i}[min(j + 3, n - 1)], j + 3 < n));
}`,
      )
      .join('\n');
    const runs = this.components
      .map(
        (_, i) => `fn gcRun${i}(wl : i32, lid : i32) {
  let start = wl * uniforms.chunk;
  let end = min(start + uniforms.chunk, uniforms.units${i});
  let zero = vec4<f32>(0.0);
  for (var q = start + lid; q < end; q = q + ${4 * WG}) {
    let q1 = q + ${WG};
    let q2 = q + ${2 * WG};
    let q3 = q + ${3 * WG};
    gcStep(gcLoad${i}(q), select(zero, gcLoad${i}(min(q1, end - 1)), q1 < end),
           select(zero, gcLoad${i}(min(q2, end - 1)), q2 < end), select(zero, gcLoad${i}(min(q3, end - 1)), q3 < end));
  }
}`,
      )
      .join('\n');
    let dispatchChain = '';
    for (let i = 0; i < k; i++) {
      const base = i === 0 ? '0' : `uniforms.wEnd${i - 1}`;
      dispatchChain += `${i === 0 ? '' : ' else '}if (w < uniforms.wEnd${i}) { gcRun${i}(w - ${base}, lid); }`;
    }
    const step = mode.kind === 'sum' ? sumStep(mode.scheme) : mode.kind === 'pow' ? powStep(mode.p) : MAX_STEP;
    return `
${ARITH_WGSL}
${step}
${loads}
${runs}
fn main(index : i32) {
  let lid = i32(localId.x);
  let w = i32(workgroupId.x + workgroupId.y * numWorkgroups.x + workgroupId.z * numWorkgroups.x * numWorkgroups.y);
  gcAccB = vec2<f32>(0.0);
  gcAccM = vec2<f32>(0.0);
  gcAccS = vec2<f32>(0.0);
  gcUmaxV = vec4<u32>(0u);
  ${mode.kind === 'pow' ? 'gcSetMax(gcMaxIn[0]);' : 'gcM = 1.0; gcMSmall = false;'}
  ${dispatchChain}
  if (w < uniforms.wEnd${k - 1}) {
    let m = max(max(gcUmaxV.x, gcUmaxV.y), max(gcUmaxV.z, gcUmaxV.w));
    let o = 2 * ((uniforms.outOffset + w) * ${WG} + lid);
    result[o] = vec4<f32>(gcAccB, gcAccM);
    result[o + 1] = vec4<f32>(gcAccS, f32(m >> 16u), f32(m & 0xffffu));
  }
}
`;
  }
}

/**
 * WGSL function `gcRoot(s)` = `s^(1/p)` for s ≥ 1: repeated multiplication
 * when 1/p is a small integer; `pow` refined by one Newton step when p is;
 * plain `pow` otherwise.
 */
function rootFn(p: number): string {
  const k = integerPower(p);
  const inv = integerPower(1 / p);
  let body: string;
  if (k === 1) body = 'return s;';
  else if (inv !== undefined) body = `return ${new Array<string>(inv).fill('s').join(' * ')};`;
  else if (k === undefined) body = 'return pow(s, uniforms.invP);';
  else {
    body = `let r0 = pow(s, uniforms.invP);
  let rp1 = ${new Array<string>(k - 1).fill('r0').join(' * ')};
  return r0 - (rp1 * r0 - s) / (${k}.0 * rp1);`;
  }
  return `fn gcRoot(s : f32) -> f32 {
  ${body}
}`;
}

/** WGSL `fn gcFinish(acc : array of accumulators) -> f32`: the norm from the combined raw accumulators. */
function finishFn(mode: NormMode): string {
  if (mode.kind === 'max') {
    return `fn gcFinish(b : vec2<f32>, mid : vec2<f32>, s : vec2<f32>, m : u32) -> f32 {
  return select(bitcast<f32>(m), uniforms.NAN, m > ${u(INF_BITS)});
}`;
  }
  if (mode.kind === 'pow') {
    return `${rootFn(mode.p)}
fn gcFinish(b : vec2<f32>, mid : vec2<f32>, s : vec2<f32>, m : u32) -> f32 {
  let mx = gcMaxIn[0];
  let mb = bitcast<u32>(mx) & 0x7fffffffu;
  if (mb >= ${u(INF_BITS)} || mb == 0u) { return mx; }
  let r = gcFromPair(mid, 0.0);
  let root = gcRoot(gcLdexp(r.x + r.y, i32(r.z)));
  gcSetMax(mx);
  return gcLdexpOut(gcM * root, select(0, -100, gcMSmall));
}`;
  }
  const sc = mode.scheme;
  const value =
    sc.p === 2
      ? `var e = i32(r.z);
  var v = r.x + r.y;
  if ((e & 1) != 0) { v = v * 2.0; e = e - 1; }
  return gcLdexpOut(sqrt(v), e / 2);`
      : 'return gcLdexpOut(r.x + r.y, i32(r.z));';
  return `fn gcFinish(b : vec2<f32>, mid : vec2<f32>, s : vec2<f32>, m : u32) -> f32 {
  if (m > ${u(INF_BITS)}) { return uniforms.NAN; }
  if (m == ${u(INF_BITS)}) { return uniforms.INFINITY; }
  let r = gcAdd(gcAdd(gcFromPair(b, ${sc.expBig}.0), gcFromPair(mid, 0.0)), gcFromPair(s, ${sc.expSmall}.0));
  if (r.x == 0.0) { return 0.0; }
  ${value}
}`;
}

/**
 * Adds the `count` raw records of the records buffer (bound as `recs`,
 * `vec4<f32>`) in one workgroup and writes the norm (a float32 scalar):
 * p = 2 `sqrt`, p = 1 the sum, p = ∞ the maximum, pow mode
 * `m · S^(1/p)` with `m` bound as `gcMaxIn` (NaN, Inf or 0 pass through).
 */
export class FinalNormProgram implements WebGPUProgramLike {
  outputShape: number[] = [];
  shaderKey: string;
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number] = [1, 1, 1];
  workgroupSize: [number, number, number] = [WG, 1, 1];
  variableNames: string[];
  variableComponents: number[];
  uniforms = 'count : i32, invP : f32,';
  private readonly mode: NormMode;

  constructor(mode: NormMode) {
    this.mode = mode;
    this.variableNames = mode.kind === 'pow' ? ['recs', 'gcMaxIn'] : ['recs'];
    this.variableComponents = mode.kind === 'pow' ? [4, 1] : [4];
    this.shaderKey = `gradclipFinalNorm_${modeKey(mode)}`;
  }

  /** Uniform values matching {@link FinalNormProgram.uniforms}. */
  static uniformData(count: number, p = 1): Array<{ type: 'int32' | 'float32'; data: number[] }> {
    return [
      { type: 'int32', data: [count] },
      { type: 'float32', data: [1 / p] },
    ];
  }

  getUserCode(): string {
    return `
${ARITH_WGSL}
${finishFn(this.mode)}
var<workgroup> gcSh0 : array<vec4<f32>, ${WG}>;
var<workgroup> gcSh1 : array<vec4<f32>, ${WG}>;
fn gcMaxOf(r : vec4<f32>) -> u32 { return (u32(r.z) << 16u) | u32(r.w); }
fn main(index : i32) {
  let lid = i32(localId.x);
  var b = vec2<f32>(0.0);
  var mid = vec2<f32>(0.0);
  var s = vec2<f32>(0.0);
  var m = 0u;
  for (var q = lid; q < uniforms.count; q = q + ${WG}) {
    let r0 = recs[2 * q];
    let r1 = recs[2 * q + 1];
    b = gcPairAdd(b, r0.xy);
    mid = gcPairAdd(mid, r0.zw);
    s = gcPairAdd(s, r1.xy);
    m = max(m, gcMaxOf(r1));
  }
  gcSh0[lid] = vec4<f32>(b, mid);
  gcSh1[lid] = vec4<f32>(s, f32(m >> 16u), f32(m & 0xffffu));
  workgroupBarrier();
  if (lid == 0) {
    for (var q = 1; q < ${WG}; q = q + 1) {
      let r0 = gcSh0[q];
      let r1 = gcSh1[q];
      b = gcPairAdd(b, r0.xy);
      mid = gcPairAdd(mid, r0.zw);
      s = gcPairAdd(s, r1.xy);
      m = max(m, gcMaxOf(r1));
    }
    result[0] = gcFinish(b, mid, s, m);
  }
}
`;
  }
}
