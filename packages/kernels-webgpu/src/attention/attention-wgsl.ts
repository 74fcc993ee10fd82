import type { PageLayout } from './layout.js'

/** Compile-time constants of the split decode-attention kernel. */
export interface AttentionConstants {
  readonly layout: PageLayout
  /** vec4s of query heads per KV head: ceil(queryHeadsPerKv / 4). */
  readonly qv: number
  /** Whether the kernel also writes each token's scaled logit (for attention weights). */
  readonly logits: boolean
}

const v = (body: string) => `for (var v = 0u; v < QV; v++) { ${body} }`

/**
 * WGSL of one split of flash-decoding over a paged cache. A workgroup of `pageTokens` invocations takes
 * (split, KV head, sequence) and walks its pages once: phase A gives one token per invocation, its scores
 * for every query head of the KV head at once (vec4 lanes), read from word-major key codes; a tree gives
 * the page maximum and the online-softmax correction; phase B gives each invocation one word of a value
 * row and a lane of tokens. q kinds fold key scales into the query (`q·scale` per group and channel) and
 * key mins into a per-group bias, so a key code costs one multiply-add per query head; value mins
 * accumulate once per token. The split writes its max, sum and unnormalised output for the reduce kernel.
 *
 * @example
 * const code = attentionWgsl({ layout: pageLayout('q4', 128, 128, 32), qv: 1, logits: false })
 */
export function attentionWgsl(c: AttentionConstants): string {
  const L = c.layout
  const D = L.headDim
  const P = L.pageTokens
  const W = L.rowWords
  const quant = L.kind !== 'f16'
  const GP = quant ? P / L.groupSize : 1
  const VG = quant ? D / L.groupSize : 1
  const tmpSize = Math.max(P, D)
  const header = /* wgsl */ `
struct Params { batch: u32, kvHeads: u32, maxPages: u32, pagesPerSplit: u32,
                splits: u32, qHeads: u32, logitStride: u32, scale: f32 }
@group(0) @binding(0) var<uniform> U: Params;
@group(0) @binding(1) var<storage, read> Q: array<f32>;
@group(0) @binding(2) var<storage, read> PG: array<u32>;
@group(0) @binding(3) var<storage, read> PT: array<u32>;
@group(0) @binding(4) var<storage, read> LEN: array<u32>;
@group(0) @binding(5) var<storage, read_write> OACC: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read_write> OML: array<vec4<f32>>;
${c.logits ? '@group(0) @binding(7) var<storage, read_write> LOGITS: array<f32>;' : ''}
const D: u32 = ${D}u;
const P: u32 = ${P}u;
const W: u32 = ${W}u;
const CPW: u32 = ${L.perWord}u;
const BITS: u32 = ${L.bits}u;
const MASK: u32 = ${L.kind === 'f16' ? 0 : (1 << L.bits) - 1}u;
const QV: u32 = ${c.qv}u;
const LANES: u32 = ${P / W}u;
const PAGE_WORDS: u32 = ${L.pageWords}u;
const GROUP: u32 = ${Math.max(1, L.groupSize)}u;
const GP: u32 = ${GP}u;
const VG: u32 = ${VG}u;
const KS: u32 = ${L.keyScales}u;
const KM: u32 = ${L.keyMins}u;
const VW: u32 = ${L.valueWords}u;
const VS: u32 = ${L.valueScales}u;
const VM: u32 = ${L.valueMins}u;
const NEG: f32 = -1e30;

var<workgroup> qsh: array<vec4<f32>, ${D * c.qv}>;
var<workgroup> red: array<vec4<f32>, ${P * c.qv}>;
var<workgroup> tmp: array<vec4<f32>, ${tmpSize * c.qv}>;
${quant ? `var<workgroup> qsg: array<vec4<f32>, ${GP * D * c.qv}>;\nvar<workgroup> qm: array<vec4<f32>, ${GP * D * c.qv}>;` : ''}
`
  const foldScales = quant
    ? /* wgsl */ `
    for (var i = tid; i < GP * D; i += P) {
      let ch = i % D;
      let sc = bitcast<f32>(PG[base + KS + i]);
      let mn = bitcast<f32>(PG[base + KM + i]);
      ${v('qsg[i * QV + v] = qsh[ch * QV + v] * sc; qm[i * QV + v] = qsh[ch * QV + v] * mn;')}
    }
    workgroupBarrier();
    for (var st = D / 2u; st > 0u; st >>= 1u) {
      for (var i = tid; i < GP * st; i += P) {
        let a = ((i / st) * D + i % st) * QV;
        ${v('qm[a + v] += qm[a + st * QV + v];')}
      }
      workgroupBarrier();
    }`
    : ''
  const scoreToken = quant
    ? /* wgsl */ `
      let g = tid / GROUP;
      ${v('s[v] = qm[g * D * QV + v];')}
      for (var ww = 0u; ww < W; ww++) {
        let word = PG[base + ww * P + tid];
        for (var j = 0u; j < CPW; j++) {
          let code = f32((word >> (j * BITS)) & MASK);
          let qi = (g * D + ww * CPW + j) * QV;
          ${v('s[v] += code * qsg[qi + v];')}
        }
      }`
    : /* wgsl */ `
      ${v('s[v] = vec4<f32>(0.0);')}
      for (var ww = 0u; ww < W; ww++) {
        let k = unpack2x16float(PG[base + ww * P + tid]);
        ${v('s[v] += k.x * qsh[(2u * ww) * QV + v] + k.y * qsh[(2u * ww + 1u) * QV + v];')}
      }`
  const accumulateValues = quant
    ? /* wgsl */ `
    let gv = (w * CPW) / GROUP;
    for (var t = lane; t < valid; t += LANES) {
      let word = PG[base + VW + t * W + w];
      let sc = bitcast<f32>(PG[base + VS + t * VG + gv]);
      let mn = bitcast<f32>(PG[base + VM + t * VG + gv]);
      for (var v = 0u; v < QV; v++) {
        let p = red[t * QV + v];
        let ps = p * sc;
        accMin[v] += p * mn;
        for (var j = 0u; j < CPW; j++) { acc[j * QV + v] += ps * f32((word >> (j * BITS)) & MASK); }
      }
    }`
    : /* wgsl */ `
    for (var t = lane; t < valid; t += LANES) {
      let x = unpack2x16float(PG[base + VW + t * W + w]);
      ${v('let p = red[t * QV + v]; acc[v] += p * x.x; acc[QV + v] += p * x.y;')}
    }`
  const writeLogits = c.logits
    ? /* wgsl */ `
    if (tid < valid) {
      for (var j = 0u; j < qpk; j++) {
        LOGITS[(b * U.qHeads + h * qpk + j) * U.logitStride + pi * P + tid] = s[j / 4u][j % 4u];
      }
    }`
    : ''
  return /* wgsl */ `${header}
@compute @workgroup_size(${P})
fn main(@builtin(local_invocation_index) tid: u32, @builtin(workgroup_id) wg: vec3<u32>) {
  let split = wg.x; let h = wg.y; let b = wg.z;
  let qpk = U.qHeads / U.kvHeads;
  for (var i = tid; i < D * QV; i += P) {
    let ch = i / QV; let vv = i % QV;
    var q = vec4<f32>(0.0);
    for (var e = 0u; e < 4u; e++) {
      let j = vv * 4u + e;
      if (j < qpk) { q[e] = Q[(b * U.qHeads + h * qpk + j) * D + ch] * U.scale; }
    }
    qsh[i] = q;
  }
  let len = LEN[b];
  let pages = (len + P - 1u) / P;
  let first = split * U.pagesPerSplit;
  let last = min(pages, first + U.pagesPerSplit);
  var mRun: array<vec4<f32>, QV>;
  var lPart: array<vec4<f32>, QV>;
  var accMin: array<vec4<f32>, QV>;
  var acc: array<vec4<f32>, ${L.perWord * c.qv}>;
  ${v('mRun[v] = vec4<f32>(NEG);')}
  let w = tid % W;
  let lane = tid / W;
  workgroupBarrier();
  for (var pi = first; pi < last; pi++) {
    let base = PT[(b * U.kvHeads + h) * U.maxPages + pi] * PAGE_WORDS;
    let valid = min(P, len - pi * P);
    ${foldScales}
    var s: array<vec4<f32>, QV>;
    ${v('s[v] = vec4<f32>(NEG);')}
    if (tid < valid) {${scoreToken}
    }${writeLogits}
    ${v('red[tid * QV + v] = s[v];')}
    workgroupBarrier();
    if (tid < P / 2u) {
      ${v('tmp[tid * QV + v] = max(red[tid * QV + v], red[(tid + P / 2u) * QV + v]);')}
    }
    workgroupBarrier();
    for (var st = P / 4u; st > 0u; st >>= 1u) {
      if (tid < st) {
        ${v('tmp[tid * QV + v] = max(tmp[tid * QV + v], tmp[(tid + st) * QV + v]);')}
      }
      workgroupBarrier();
    }
    for (var v = 0u; v < QV; v++) {
      let mNew = max(mRun[v], tmp[v]);
      let corr = exp(mRun[v] - mNew);
      mRun[v] = mNew;
      let p = select(vec4<f32>(0.0), exp(s[v] - mNew), tid < valid);
      lPart[v] = lPart[v] * corr + p;
      red[tid * QV + v] = p;
      accMin[v] *= corr;
      for (var j = 0u; j < CPW; j++) { acc[j * QV + v] *= corr; }
    }
    workgroupBarrier();${accumulateValues}
    workgroupBarrier();
  }
  ${v('red[tid * QV + v] = lPart[v];')}
  for (var i = tid; i < D * QV; i += P) { tmp[i] = vec4<f32>(0.0); }
  workgroupBarrier();
  for (var st = P / 2u; st > 0u; st >>= 1u) {
    if (tid < st) { ${v('red[tid * QV + v] += red[(tid + st) * QV + v];')} }
    workgroupBarrier();
  }
  for (var ln = 0u; ln < LANES; ln++) {
    if (lane == ln) {
      for (var j = 0u; j < CPW; j++) {
        ${v('tmp[(w * CPW + j) * QV + v] += acc[j * QV + v] + accMin[v];')}
      }
    }
    workgroupBarrier();
  }
  let o = (b * U.kvHeads + h) * U.splits + split;
  for (var i = tid; i < D * QV; i += P) { OACC[o * D * QV + i] = tmp[i]; }
  if (tid < QV) {
    OML[(o * 2u) * QV + tid] = mRun[tid];
    OML[(o * 2u + 1u) * QV + tid] = red[tid];
  }
}
`
}

/**
 * WGSL of the flash-decoding reduce: one invocation per (sequence, query head, channel) merges the splits'
 * partial results by log-sum-exp and writes the normalised output and, per head, the log-sum-exp.
 *
 * @example
 * reduceWgsl({ headDim: 128, qv: 1 })
 */
export function reduceWgsl(c: { headDim: number; qv: number }): string {
  return /* wgsl */ `
struct Params { rows: u32, splits: u32, qpk: u32, pad: u32 }
@group(0) @binding(0) var<uniform> U: Params;
@group(0) @binding(1) var<storage, read> OACC: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> OML: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> OUT: array<f32>;
@group(0) @binding(4) var<storage, read_write> LSE: array<f32>;
const D: u32 = ${c.headDim}u;
const QV: u32 = ${c.qv}u;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
  let i = gid.y * nw.x * 64u + gid.x;
  if (i >= U.rows * D) { return; }
  let ch = i % D; let r = i / D;
  let j = r % U.qpk; let bh = r / U.qpk;
  let vv = j / 4u; let e = j % 4u;
  var m = -1e30;
  for (var s = 0u; s < U.splits; s++) { m = max(m, OML[((bh * U.splits + s) * 2u) * QV + vv][e]); }
  var l = 0.0; var a = 0.0;
  for (var s = 0u; s < U.splits; s++) {
    let o = bh * U.splits + s;
    let f = exp(OML[(o * 2u) * QV + vv][e] - m);
    l += OML[(o * 2u + 1u) * QV + vv][e] * f;
    a += OACC[(o * D + ch) * QV + vv][e] * f;
  }
  OUT[r * D + ch] = a / l;
  if (ch == 0u) { LSE[r] = m + log(l); }
}
`
}

/**
 * WGSL turning the logits written by the attention kernel into attention weights, in place:
 * `w = exp(logit − lse)` for every token of every query head.
 *
 * @example
 * weightsWgsl()
 */
export function weightsWgsl(): string {
  return /* wgsl */ `
struct Params { batch: u32, qHeads: u32, stride: u32, pad: u32 }
@group(0) @binding(0) var<uniform> U: Params;
@group(0) @binding(1) var<storage, read> LEN: array<u32>;
@group(0) @binding(2) var<storage, read> LSE: array<f32>;
@group(0) @binding(3) var<storage, read_write> LOGITS: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
  let i = gid.y * nw.x * 64u + gid.x;
  if (i >= U.batch * U.qHeads * U.stride) { return; }
  let t = i % U.stride; let r = i / U.stride; let b = r / U.qHeads;
  if (t < LEN[b]) { LOGITS[i] = exp(LOGITS[i] - LSE[r]); } else { LOGITS[i] = 0.0; }
}
`
}
