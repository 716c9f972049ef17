/**
 * GLSL ES 3.00 programs of `GradclipGlobalNorm` on WebGL2 (run with
 * tfjs-backend-webgl's `runWebGLProgram`); the arithmetic is described in
 * `../webgpu/norm-scheme.ts` (the same scheme as the WebGPU kernel).
 *
 * - {@link PartialNormProgram}: binds up to `MAX_TEXTURE_IMAGE_UNITS` tensors,
 *   all packed (RGBA 2×2 blocks, the layout most tfjs ops write) or all
 *   unpacked (one value per texel); each output texel (fragment) reads a
 *   chunk of one tensor with `texelFetch`, four values per step, and writes
 *   one record `(hi, lo, e, flag)` as RGBA. The output is a packed texture of
 *   records. p = 1, 2: a fast loop per input takes values while they stay in
 *   the mid range; a chunk that holds others (beyond 2^±46 for p = 2, NaN,
 *   Inf) is read again by one loop with the full three-range classification.
 * - {@link ReduceNormProgram}: combines the records of up to
 *   `MAX_TEXTURE_IMAGE_UNITS` record textures, `per` records per output texel;
 *   in final mode one fragment combines all of them and writes the norm.
 *
 * A fragment finds its record index from tfjs's `getOutputCoords()` (logical
 * coordinates of the packed output) and reads a record texture's flat texel
 * index j at `(j mod W, j div W)`, W its width in texels (tfjs lays packed
 * texels out in that flat order whatever the texture's shape).
 */
import { ALIGN_DROP, INF_BITS, integerPower, type SumScheme } from '../webgpu/norm-scheme.js';
import type { WebGLProgramLike } from './types.js';

/** What a partial program accumulates. */
export type PartialMode =
  | { kind: 'sum'; scheme: SumScheme }
  | { kind: 'max' }
  | { kind: 'pow'; p: number };

const u = (n: number): string => `${n >>> 0}u`;

/** GLSL helpers on records `(hi, lo, e, flag)`. */
const RECORD_GLSL = `
float gcP2(int n) { return uintBitsToFloat(uint(n + 127) << 23); }
float gcLdexp(float x, int n) { int h = n / 2; return x * gcP2(h) * gcP2(n - h); }
float gcLdexpOut(float x, int n) {
  uint b = floatBitsToUint(x);
  int ex = int((b >> 23) & 0xffu) - 127;
  if (x == 0.0 || ex + n >= -126) { return gcLdexp(x, n); }
  if (ex + n < -151) { return 0.0; }
  return uintBitsToFloat(uint(roundEven(gcLdexp(x, n + 149))));
}
vec4 gcScaleUp(uvec4 a) {
  return mix(vec4(a) * gcP2(-49), uintBitsToFloat(a + uvec4(${u(100 << 23)})), greaterThanEqual(a, uvec4(0x00800000u)));
}
vec2 gcKahan(vec2 acc, float y) {
  float yy = y - acc.y;
  float t = acc.x + yy;
  return vec2(t, (t - acc.x) - yy);
}
vec4 gcNorm(vec4 r) {
  float s = r.x + r.y;
  float lo = r.y - (s - r.x);
  float e = r.z;
  if (s == 0.0) { return vec4(0.0, 0.0, 0.0, r.w); }
  if ((floatBitsToUint(s) & 0x7f800000u) == 0u) {
    s = s * 18446744073709551616.0;
    lo = lo * 18446744073709551616.0;
    e = e - 64.0;
  }
  uint b = floatBitsToUint(s);
  int k = int((b >> 23) & 0xffu) - 127;
  float hi = uintBitsToFloat((b & 0x007fffffu) | 0x3f800000u);
  return vec4(hi, gcLdexp(lo, -k), e + float(k), r.w);
}
vec2 gcShift(vec2 v, int d) {
  if (d < ${ALIGN_DROP}) { return vec2(0.0); }
  return v * gcP2(d);
}
vec4 gcAdd(vec4 a, vec4 b) {
  float f = max(a.w, b.w);
  if (b.x == 0.0) { return vec4(a.xyz, f); }
  if (a.x == 0.0) { return vec4(b.xyz, f); }
  float e = max(a.z, b.z);
  vec2 av = gcShift(a.xy, int(a.z - e));
  vec2 bv = gcShift(b.xy, int(b.z - e));
  float s = av.x + bv.x;
  float bp = s - av.x;
  float err = (av.x - (s - bp)) + (bv.x - bp);
  return gcNorm(vec4(s, err + av.y + bv.y, e, f));
}
float gcFlag(uint m) { return m > ${u(INF_BITS)} ? 2.0 : (m == ${u(INF_BITS)} ? 1.0 : 0.0); }
vec4 gcMaxRecord(uint m) { return vec4(float(m >> 16), float(m & 0xffffu), 0.0, 0.0); }
uint gcMaxOf(vec4 r) { return (uint(r.x) << 16) | uint(r.y); }
vec2 gcAccB;
vec2 gcAccM;
vec2 gcAccS;
uint gcUmax;
float gcM;
bool gcMSmall;
void gcSetMax(float m) {
  uint mb = floatBitsToUint(m) & 0x7fffffffu;
  gcMSmall = mb < ${u((127 - 60) << 23)};
  gcM = gcMSmall ? gcScaleUp(uvec4(mb)).x : m;
}
`;

/**
 * Sum modes: `bool gcFast(vec4 v)` takes four values when all lie in the mid
 * range (or are 0) and returns false otherwise, touching nothing; `gcSlowStep`
 * takes any four values into the three accumulators (NaN/Inf only raise the
 * maximum bit pattern).
 */
function sumStep(s: SumScheme): string {
  const term = s.p === 2 ? 'dot(t, t)' : '(t.x + t.y) + (t.z + t.w)';
  const mid = (m: string): string => `${m} <= ${u(s.midHiBits)} && (${m} >= ${u(s.midLoBits)} || ${m} == 0u)`;
  return `
float gcTerm(vec4 t) { return ${term}; }
bool gcFast(vec4 v) {
  uvec4 a = floatBitsToUint(v) & uvec4(0x7fffffffu);
  uint m = max(max(a.x, a.y), max(a.z, a.w));
  if (${mid('m')}) {
    gcAccM = gcKahan(gcAccM, gcTerm(${s.p === 2 ? 'v' : 'uintBitsToFloat(a)'}));
    return true;
  }
  return false;
}
void gcSlowStep(vec4 v) {
  uvec4 a = floatBitsToUint(v) & uvec4(0x7fffffffu);
  uint m = max(max(a.x, a.y), max(a.z, a.w));
  gcUmax = max(gcUmax, m);
  if (${mid('m')}) {
    gcAccM = gcKahan(gcAccM, gcTerm(uintBitsToFloat(a)));
  } else if (m < ${u(INF_BITS)}) {
    if (m > ${u(s.midHiBits)}) {
      uvec4 sh = uvec4(${u(s.bigShift << 23)});
      vec4 t = mix(vec4(0.0), uintBitsToFloat(a - sh), greaterThan(a, sh));
      gcAccB = gcKahan(gcAccB, gcTerm(t));
    } else {
      vec4 t = mix(vec4(a) * gcP2(${s.subExp}), uintBitsToFloat(a + uvec4(${u(s.smallShift << 23)})), greaterThanEqual(a, uvec4(0x00800000u)));
      gcAccS = gcKahan(gcAccS, gcTerm(t));
    }
  }
}
vec4 gcThreadRecord() {
  vec4 r = gcAdd(gcAdd(gcNorm(vec4(gcAccB.x, -gcAccB.y, ${s.expBig}.0, 0.0)), gcNorm(vec4(gcAccM.x, -gcAccM.y, 0.0, 0.0))),
                 gcNorm(vec4(gcAccS.x, -gcAccS.y, ${s.expSmall}.0, 0.0)));
  return vec4(r.xyz, gcFlag(gcUmax));
}`;
}

function powExpr(p: number): string {
  const k = integerPower(p);
  if (k === undefined) return 'mix(pow(t, vec4(gcP)), vec4(0.0), equal(t, vec4(0.0)))';
  return new Array<string>(k).fill('t').join(' * ');
}

/** Pow mode: `gcStep1(v)` adds `Σ (|v| / m)^p` (every term ≤ 1) to the mid accumulator. */
function powStep(p: number): string {
  return `
void gcStep1(vec4 v) {
  uvec4 a = floatBitsToUint(v) & uvec4(0x7fffffffu);
  vec4 f = gcMSmall ? gcScaleUp(a) : uintBitsToFloat(a);
  vec4 t = f / vec4(gcM);
  vec4 q = ${powExpr(p)};
  gcAccM = gcKahan(gcAccM, (q.x + q.y) + (q.z + q.w));
}
vec4 gcThreadRecord() { return gcNorm(vec4(gcAccM.x, -gcAccM.y, 0.0, 0.0)); }`;
}

const MAX_STEP = `
void gcStep1(vec4 v) {
  uvec4 a = floatBitsToUint(v) & uvec4(0x7fffffffu);
  gcUmax = max(gcUmax, max(max(a.x, a.y), max(a.z, a.w)));
}
vec4 gcThreadRecord() { return gcMaxRecord(gcUmax); }`;

/**
 * GLSL loop over a fragment's chunk of input `i` (uniform arrays indexed by
 * `i`), reading texels with `fetch(pos)` and handing each four values to `step`.
 */
function runLoop(packed: boolean, i: string, fetch: (pos: string) => string, step: string): string {
  if (!packed) {
    return `
  int start = wl * gcChunk;
  int n = min(gcChunk, gcLen[${i}] - start);
  int w = gcW[${i}];
  int idx = gcOff[${i}] + start;
  int r = idx / w;
  int c = idx - r * w;
  for (int k = 0; k < n; k += 4) {
    vec4 v = vec4(0.0);
    v.x = ${fetch('ivec2(c, r)')}.r; c++; if (c == w) { c = 0; r++; }
    if (k + 1 < n) { v.y = ${fetch('ivec2(c, r)')}.r; c++; if (c == w) { c = 0; r++; } }
    if (k + 2 < n) { v.z = ${fetch('ivec2(c, r)')}.r; c++; if (c == w) { c = 0; r++; } }
    if (k + 3 < n) { v.w = ${fetch('ivec2(c, r)')}.r; c++; if (c == w) { c = 0; r++; } }
    ${step}
  }`;
  }
  return `
  int start = wl * gcChunk;
  int n = min(gcChunk, gcLen[${i}] - start);
  int w = gcW[${i}];
  int r = start / w;
  int c = start - r * w;
  int odd = gcOdd[${i}];
  if (odd == 0) {
    for (int k = 0; k < n; k++) {
      vec4 v = ${fetch('ivec2(c, r)')};
      c++; if (c == w) { c = 0; r++; }
      ${step}
    }
  } else {
    int cp = gcCp[${i}];
    int rp = gcRp[${i}];
    int q = start / cp;
    int cc = start - q * cp;
    int rr = q - (q / rp) * rp;
    bool cOdd = (odd & 1) != 0;
    bool rOdd = (odd & 2) != 0;
    for (int k = 0; k < n; k++) {
      vec4 x = ${fetch('ivec2(c, r)')};
      bool g = !cOdd || cc < cp - 1;
      bool b = !rOdd || rr < rp - 1;
      vec4 v = vec4(x.x, g ? x.y : 0.0, b ? x.z : 0.0, (g && b) ? x.w : 0.0);
      c++; if (c == w) { c = 0; r++; }
      cc++; if (cc == cp) { cc = 0; rr++; if (rr == rp) { rr = 0; } }
      ${step}
    }
  }`;
}

/**
 * The per-input functions and the dispatch of a partial program. Sum modes:
 * `bool gcRun{i}(wl)` runs the fast loop on sampler `x{i}` (compiled once per
 * input, so it is kept small) and gives up at the first four values outside
 * the mid range; then `gcRunSlow(i, wl)` (compiled once, reading through the
 * `gcFetch` tree) starts the chunk over with the full classification. Only a
 * chunk holding such values (beyond 2^±46 for p = 2, or NaN/Inf) is read
 * twice. Max and pow modes have only the per-input loop.
 */
function runFns(k: number, packed: boolean, sum: boolean): { fns: string; call: string } {
  let fns = '';
  let chain = '';
  for (let i = 0; i < k; i++) {
    const fetch = (pos: string): string => `texelFetch(x${i}, ${pos}, 0)`;
    if (sum) {
      fns += `
bool gcRun${i}(int wl) {${runLoop(packed, String(i), fetch, 'if (!gcFast(v)) { return false; }')}
  return true;
}`;
      chain += `${i === 0 ? '' : ' else '}if (i == ${i}) { ok = gcRun${i}(wl); }`;
    } else {
      fns += `
void gcRun${i}(int wl) {${runLoop(packed, String(i), fetch, 'gcStep1(v);')}
}`;
      chain += `${i === 0 ? '' : ' else '}if (i == ${i}) { gcRun${i}(wl); }`;
    }
  }
  if (!sum) return { fns, call: chain };
  fns += `
${fetchFn(k)}
void gcRunSlow(int i, int wl) {${runLoop(packed, 'i', (pos) => `gcFetch(i, ${pos})`, 'gcSlowStep(v);')}
}`;
  const call = `bool ok = true;
    ${chain}
    if (!ok) {
      gcAccM = vec2(0.0);
      gcRunSlow(i, wl);
    }`;
  return { fns, call };
}

/** GLSL `vec4 gcFetch(int i, ivec2 p)`: texel p of sampler `x{i}` (reduce programs: a few fetches per fragment). */
function fetchFn(k: number): string {
  const tree = (lo: number, hi: number, pad: string): string => {
    if (lo === hi) return `${pad}return texelFetch(x${lo}, p, 0);\n`;
    const mid = (lo + hi) >> 1;
    return `${pad}if (i <= ${mid}) {\n${tree(lo, mid, pad + '  ')}${pad}} else {\n${tree(mid + 1, hi, pad + '  ')}${pad}}\n`;
  };
  return `
vec4 gcFetch(int i, ivec2 p) {
${tree(0, k - 1, '  ')}}`;
}

/** GLSL that finds the input `i` of flat output index `j` from the cumulative ends `gcEnd`. */
function whichInput(k: number): string {
  return `
  int i = 0;
  for (int q = 0; q < ${k - 1}; q++) { if (j >= gcEnd[q]) { i = q + 1; } }
  int wl = j - (i == 0 ? 0 : gcEnd[i > 0 ? i - 1 : 0]);`;
}


/**
 * Partial sums (or maxima) of `k` tensors bound as samplers `x0 ... x{k-1}`,
 * all packed or all unpacked (`packed`), plus the scalar `gcMaxIn` in pow
 * mode. Output: a packed record texture of logical shape `[2h, 2w]`
 * (record j at texel `(j mod w, j div w)`).
 *
 * Custom uniforms (arrays of k): `gcEnd` (cumulative records), `gcLen`
 * (elements, or texels when packed), `gcW` (texture width in texels),
 * `gcOff` (unpacked: flat offset of a slice), `gcCp`, `gcRp` (packed: texels
 * per block row, block rows per batch), `gcOdd` (packed: bit 0 odd columns,
 * bit 1 odd rows); `gcChunk` (elements or texels per record), `gcOutW`, and
 * `gcP` for a non-integer order.
 */
export class PartialNormProgram implements WebGLProgramLike {
  variableNames: string[];
  outputShape: number[];
  userCode: string;
  packedInputs: boolean;
  packedOutput = true;
  enableShapeUniforms = true;
  customUniforms: Array<{ name: string; arrayIndex?: number; type: 'int' | 'float' }>;

  constructor(k: number, packed: boolean, mode: PartialMode, outH: number, outW: number) {
    this.packedInputs = packed;
    this.outputShape = [2 * outH, 2 * outW];
    this.variableNames = Array.from({ length: k }, (_, i) => `x${i}`);
    if (mode.kind === 'pow') this.variableNames.push('gcMaxIn');
    this.customUniforms = ['gcEnd', 'gcLen', 'gcW', 'gcOff', 'gcCp', 'gcRp', 'gcOdd'].map((name) => ({ name, arrayIndex: k, type: 'int' as const }));
    this.customUniforms.push({ name: 'gcChunk', type: 'int' }, { name: 'gcOutW', type: 'int' });
    const generalP = mode.kind === 'pow' && integerPower(mode.p) === undefined;
    if (generalP) this.customUniforms.push({ name: 'gcP', type: 'float' });
    const step = mode.kind === 'sum' ? sumStep(mode.scheme) : mode.kind === 'pow' ? powStep(mode.p) : MAX_STEP;
    const { fns, call } = runFns(k, packed, mode.kind === 'sum');
    this.userCode = `
${RECORD_GLSL}
${step}
${fns}
void main() {
  ivec2 rc = getOutputCoords();
  int j = (rc.x / 2) * gcOutW + rc.y / 2;
  ${whichInput(k)}
  gcAccB = vec2(0.0);
  gcAccM = vec2(0.0);
  gcAccS = vec2(0.0);
  gcUmax = 0u;
  ${mode.kind === 'pow' ? 'gcSetMax(texelFetch(gcMaxIn, ivec2(0, 0), 0).r);' : 'gcM = 1.0; gcMSmall = false;'}
  if (j < gcEnd[${k - 1}]) {
    ${call}
  }
  setOutput(gcThreadRecord());
}
`;
  }
}

/**
 * GLSL function `gcRoot(s)` = `s^(1/p)` for s ≥ 1: repeated multiplication
 * when 1/p is a small integer; `pow` refined by one Newton step when p is;
 * plain `pow` otherwise.
 */
function rootFn(p: number): string {
  const k = integerPower(p);
  const inv = integerPower(1 / p);
  let body: string;
  if (k === 1) body = 'return s;';
  else if (inv !== undefined) body = `return ${new Array<string>(inv).fill('s').join(' * ')};`;
  else if (k === undefined) body = 'return pow(s, gcInvP);';
  else {
    body = `float r0 = pow(s, gcInvP);
  float rp1 = ${new Array<string>(k - 1).fill('r0').join(' * ')};
  return r0 - (rp1 * r0 - s) / (${k}.0 * rp1);`;
  }
  return `float gcRoot(float s) {
  ${body}
}`;
}

/** GLSL `float gcFinish(vec4 r)`: the norm from the combined record (sum and pow modes). */
function finishFn(mode: PartialMode): string {
  if (mode.kind === 'max') {
    return `float gcFinish(vec4 r) { uint m = gcMaxOf(r); return m > ${u(INF_BITS)} ? NAN : uintBitsToFloat(m); }`;
  }
  if (mode.kind === 'sum') {
    const value =
      mode.scheme.p === 2
        ? `int e = int(r.z);
  float v = r.x + r.y;
  if ((e & 1) != 0) { v = v * 2.0; e = e - 1; }
  return gcLdexpOut(sqrt(v), e / 2);`
        : 'return gcLdexpOut(r.x + r.y, int(r.z));';
    return `float gcFinish(vec4 r) {
  if (r.w >= 2.0) { return NAN; }
  if (r.w >= 1.0) { return uintBitsToFloat(${u(INF_BITS)}); }
  if (r.x == 0.0) { return 0.0; }
  ${value}
}`;
  }
  return `${rootFn(mode.p)}
float gcFinish(vec4 r) {
  float m = texelFetch(gcMaxIn, ivec2(0, 0), 0).r;
  uint mb = floatBitsToUint(m) & 0x7fffffffu;
  if (mb >= ${u(INF_BITS)} || mb == 0u) { return m; }
  float s = gcLdexp(r.x + r.y, int(r.z));
  float root = gcRoot(s);
  gcSetMax(m);
  return gcLdexpOut(gcM * root, gcMSmall ? -100 : 0);
}`;
}

/**
 * Combines records of `k` record textures (samplers `x0 ...`, packed):
 * intermediate mode writes one record per `gcPer` input records (a packed
 * `[2h, 2w]` record texture); final mode writes the norm (an unpacked
 * scalar), with `gcMaxIn` (max |x|) bound in pow mode.
 *
 * Custom uniforms (arrays of k): `gcEnd` (cumulative output records),
 * `gcLen` (records), `gcW` (texture width in texels); `gcPer`, `gcOutW`,
 * `gcInvP` (final pow mode).
 */
export class ReduceNormProgram implements WebGLProgramLike {
  variableNames: string[];
  outputShape: number[];
  userCode: string;
  packedInputs = true;
  packedOutput: boolean;
  enableShapeUniforms = true;
  customUniforms: Array<{ name: string; arrayIndex?: number; type: 'int' | 'float' }>;

  constructor(k: number, mode: PartialMode, final: boolean, outH: number, outW: number) {
    this.variableNames = Array.from({ length: k }, (_, i) => `x${i}`);
    if (final && mode.kind === 'pow') this.variableNames.push('gcMaxIn');
    this.packedOutput = !final;
    this.outputShape = final ? [] : [2 * outH, 2 * outW];
    this.customUniforms = ['gcEnd', 'gcLen', 'gcW'].map((name) => ({ name, arrayIndex: k, type: 'int' as const }));
    this.customUniforms.push({ name: 'gcPer', type: 'int' }, { name: 'gcOutW', type: 'int' }, { name: 'gcInvP', type: 'float' });
    const isMax = mode.kind === 'max';
    const zero = isMax ? 'gcMaxRecord(0u)' : 'vec4(0.0)';
    const add = isMax ? 'acc = gcMaxRecord(max(gcMaxOf(acc), gcMaxOf(x)));' : 'acc = gcAdd(acc, x);';
    const reduceFn = `${fetchFn(k)}
vec4 gcReduce(int i, int start, int n) {
  int w = gcW[i];
  int r = start / w;
  int c = start - r * w;
  vec4 acc = ${zero};
  for (int k = 0; k < n; k++) {
    vec4 x = gcFetch(i, ivec2(c, r));
    ${add}
    c++; if (c == w) { c = 0; r++; }
  }
  return acc;
}
vec4 gcCombine(vec4 acc, vec4 x) { ${add} return acc; }`;
    const body = final
      ? `
  vec4 tot = ${zero};
  for (int i = 0; i < ${k}; i++) { tot = gcCombine(tot, gcReduce(i, 0, gcLen[i])); }
  setOutput(gcFinish(tot));`
      : `
  ivec2 rc = getOutputCoords();
  int j = (rc.x / 2) * gcOutW + rc.y / 2;
  ${whichInput(k)}
  int start = wl * gcPer;
  int n = min(gcPer, gcLen[i] - start);
  vec4 acc = ${zero};
  if (j < gcEnd[${k - 1}]) {
    acc = gcReduce(i, start, n);
  }
  setOutput(acc);`;
    this.userCode = `
${RECORD_GLSL}
${reduceFn}
${final ? finishFn(mode) : ''}
void main() {${body}
}
`;
  }
}
