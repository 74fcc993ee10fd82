import { attentionBindings, LOAD_QUERY } from './attention-bindings.js'
import type { PageLayout } from './layout.js'

/** Compile-time constants of the split decode-attention kernel. */
export interface AttentionConstants {
  readonly layout: PageLayout
  /** vec4s of query heads per KV head: ceil(queryHeadsPerKv / 4). */
  readonly qv: number
  /** Whether the kernel also writes each token's scaled logit (for attention weights). */
  readonly logits: boolean
  /**
   * Reduce with subgroup operations (max, add) instead of workgroup trees: 3 barriers a page instead of up
   * to 17. Only where `probeSubgroups` found subgroups laid out linearly, of a size dividing `headDim` and
   * `pageTokens`.
   */
  readonly subgroups?: boolean
}

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
  const sg = c.subgroups === true
  const header = /* wgsl */ `${sg ? 'enable subgroups;\ndiagnostic(off, subgroup_uniformity);' : ''}
${attentionBindings(c.logits)}
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
${sg ? `var<workgroup> partM: array<vec4<f32>, ${(P / 4) * c.qv}>;\nvar<workgroup> partB: array<vec4<f32>, ${Math.max(1, (GP * D) / 4) * c.qv}>;` : ''}
${quant ? `var<workgroup> qsg: array<vec4<f32>, ${GP * D * c.qv}>;\nvar<workgroup> qm: array<vec4<f32>, ${GP * D * c.qv}>;` : ''}
`
  const QV = c.qv
  /** Statements repeated with constant indices: WGSL loops over small arrays are not reliably unrolled
   * by drivers, and an array indexed in a loop can land in local memory; named registers cannot. */
  const each = (n: number, f: (i: number) => string) =>
    Array.from({ length: n }, (_, i) => f(i)).join('\n      ')
  const eachV = (f: (v: number) => string) => each(QV, f)
  const eachJV = (f: (j: number, v: number) => string) =>
    each(L.perWord * QV, (i) => f(Math.floor(i / QV), i % QV))
  const foldScales =
    quant && sg
      ? /* wgsl */ `
    for (var k = 0u; k < GP * D / P; k++) {
      let i = tid + k * P;
      let ch = i % D;
      let sc = bitcast<f32>(PG[base + KS + i]);
      let mn = bitcast<f32>(PG[base + KM + i]);
      ${eachV((v) => `qsg[i * QV + ${v}u] = qsh[ch * QV + ${v}u] * sc; let r${v} = subgroupAdd(qsh[ch * QV + ${v}u] * mn); if (sgi == 0u) { partB[(i / sgs) * QV + ${v}u] = r${v}; }`)}
    }
    workgroupBarrier();`
      : quant
        ? /* wgsl */ `
    for (var i = tid; i < GP * D; i += P) {
      let ch = i % D;
      let sc = bitcast<f32>(PG[base + KS + i]);
      let mn = bitcast<f32>(PG[base + KM + i]);
      ${eachV((v) => `qsg[i * QV + ${v}u] = qsh[ch * QV + ${v}u] * sc; qm[i * QV + ${v}u] = qsh[ch * QV + ${v}u] * mn;`)}
    }
    workgroupBarrier();
    for (var st = D / 2u; st > 0u; st >>= 1u) {
      for (var i = tid; i < GP * st; i += P) {
        let a = ((i / st) * D + i % st) * QV;
        ${eachV((v) => `qm[a + ${v}u] += qm[a + st * QV + ${v}u];`)}
      }
      workgroupBarrier();
    }`
        : ''
  // Loads are issued in batches before the arithmetic that uses them, so each invocation keeps many
  // memory requests in flight (decode attention is latency-bound otherwise).
  // A code as float without the quarter-rate int-to-float conversion: 2^23 + code has the code in its
  // mantissa bits, and subtracting 2^23 is exact.
  const codeF32 = (word: string, j: number) =>
    `(bitcast<f32>(((${word} >> ${j * L.bits}u) & MASK) | 0x4B000000u) - 8388608.0)`
  const KC = Math.min(W, 16)
  const keyLoads = each(KC, (i) => `let k${i} = PG[kb + ${i * P}u];`)
  const scoreToken = quant
    ? /* wgsl */ `
      let g = tid / GROUP;
      ${
        sg
          ? `${eachV((v) => `s${v} = vec4<f32>(0.0);`)}
      for (var j = 0u; j < D / sgs; j++) { ${eachV((v) => `s${v} += partB[(g * D / sgs + j) * QV + ${v}u];`)} }`
          : eachV((v) => `s${v} = qm[g * D * QV + ${v}u];`)
      }
      for (var w0 = 0u; w0 < W; w0 += ${KC}u) {
        let kb = base + w0 * P + tid;
        let qi = (g * D + w0 * CPW) * QV;
        ${keyLoads}
        ${each(KC * L.perWord, (e) => {
          const i = Math.floor(e / L.perWord)
          const j = e % L.perWord
          const code = codeF32(`k${i}`, j)
          return `{ let c = ${code}; ${eachV((v) => `s${v} += c * qsg[qi + ${(i * L.perWord + j) * QV + v}u];`)} }`
        })}
      }`
    : /* wgsl */ `
      ${eachV((v) => `s${v} = vec4<f32>(0.0);`)}
      for (var w0 = 0u; w0 < W; w0 += ${KC}u) {
        let kb = base + w0 * P + tid;
        let qi = 2u * w0 * QV;
        ${keyLoads}
        ${each(KC, (i) => `{ let k = unpack2x16float(k${i}); ${eachV((v) => `s${v} += k.x * qsh[qi + ${2 * i * QV + v}u] + k.y * qsh[qi + ${(2 * i + 1) * QV + v}u];`)} }`)}
      }`
  const U = 4
  const valueLoads = (u: number, t: string) =>
    quant
      ? `let x${u} = PG[base + VW + (${t}) * W + w]; let sc${u} = bitcast<f32>(PG[base + VS + (${t}) * VG + gv]); let mn${u} = bitcast<f32>(PG[base + VM + (${t}) * VG + gv]);`
      : `let x${u} = PG[base + VW + (${t}) * W + w];`
  const valueMath = (u: number, t: string) =>
    quant
      ? `{ ${each(L.perWord, (j) => `let c${j} = ${codeF32(`x${u}`, j)};`)}
        ${eachV((v) => `let p${v} = red[(${t}) * QV + ${v}u]; let ps${v} = p${v} * sc${u}; am${v} += p${v} * mn${u};`)}
        ${eachJV((j, v) => `a${j}_${v} += ps${v} * c${j};`)} }`
      : `{ let x = unpack2x16float(x${u});
        ${eachV((v) => `let p${v} = red[(${t}) * QV + ${v}u]; a0_${v} += p${v} * x.x; a1_${v} += p${v} * x.y;`)} }`
  const accumulateValues = /* wgsl */ `
    let gv = (w * CPW) / GROUP;
    var t = lane;
    for (; t + ${U - 1}u * LANES < valid; t += ${U}u * LANES) {
      ${each(U, (u) => valueLoads(u, `t + ${u}u * LANES`))}
      ${each(U, (u) => valueMath(u, `t + ${u}u * LANES`))}
    }
    for (; t < valid; t += LANES) {
      ${valueLoads(0, 't')}
      ${valueMath(0, 't')}
    }`
  const writeLogits = c.logits
    ? /* wgsl */ `
    if (tid < valid) {
      ${eachV((v) => `let sv${v} = s${v};`)}
      for (var j = 0u; j < qpk; j++) {
        var x = 0.0;
        ${eachV((v) => `if (j / 4u == ${v}u) { x = sv${v}[j % 4u]; }`)}
        LOGITS[(b * U.qHeads + h * qpk + j) * U.logitStride + pi * P + tid] = x;
      }
    }`
    : ''
  const maxTree = `${eachV((v) => `red[tid * QV + ${v}u] = s${v};`)}
    workgroupBarrier();
    if (tid < P / 2u) {
      ${eachV((v) => `tmp[tid * QV + ${v}u] = max(red[tid * QV + ${v}u], red[(tid + P / 2u) * QV + ${v}u]);`)}
    }
    workgroupBarrier();
    for (var st = P / 4u; st > 0u; st >>= 1u) {
      if (tid < st) {
        ${eachV((v) => `tmp[tid * QV + ${v}u] = max(tmp[tid * QV + ${v}u], tmp[(tid + st) * QV + ${v}u]);`)}
      }
      workgroupBarrier();
    }`
  const maxSubgroup = `${eachV((v) => `let sm${v} = subgroupMax(s${v}); if (sgi == 0u) { partM[(tid / sgs) * QV + ${v}u] = sm${v}; }`)}
    workgroupBarrier();
    ${eachV((v) => `var pm${v} = vec4<f32>(NEG);`)}
    for (var j = 0u; j < P / sgs; j++) { ${eachV((v) => `pm${v} = max(pm${v}, partM[j * QV + ${v}u]);`)} }`
  const sumTree = `${eachV((v) => `red[tid * QV + ${v}u] = l${v};`)}
  for (var i = tid; i < D * QV; i += P) { tmp[i] = vec4<f32>(0.0); }
  workgroupBarrier();
  for (var st = P / 2u; st > 0u; st >>= 1u) {
    if (tid < st) { ${eachV((v) => `red[tid * QV + ${v}u] += red[(tid + st) * QV + ${v}u];`)} }
    workgroupBarrier();
  }`
  const sumSubgroup = `${eachV((v) => `let sl${v} = subgroupAdd(l${v}); if (sgi == 0u) { partM[(tid / sgs) * QV + ${v}u] = sl${v}; }`)}
  for (var i = tid; i < D * QV; i += P) { tmp[i] = vec4<f32>(0.0); }
  workgroupBarrier();
  ${eachV((v) => `var lt${v} = vec4<f32>(0.0);`)}
  for (var j = 0u; j < P / sgs; j++) { ${eachV((v) => `lt${v} += partM[j * QV + ${v}u];`)} }`
  const decl = (name: string, init = 'vec4<f32>(0.0)') => eachV((v) => `var ${name}${v} = ${init};`)
  return /* wgsl */ `${header}
@compute @workgroup_size(${P})
fn main(@builtin(local_invocation_index) tid: u32, @builtin(workgroup_id) wg: vec3<u32>${sg ? ', @builtin(subgroup_size) sgs: u32, @builtin(subgroup_invocation_id) sgi: u32' : ''}) {
  let split = wg.x; let h = wg.y; let b = wg.z;
  let qpk = U.qHeads / U.kvHeads;
${LOAD_QUERY}
  let len = LEN[b];
  let pages = (len + P - 1u) / P;
  let first = split * U.pagesPerSplit;
  let last = min(pages, first + U.pagesPerSplit);
  ${decl('m', 'vec4<f32>(NEG)')}
  ${decl('l')}
  ${decl('am')}
  ${eachJV((j, v) => `var a${j}_${v} = vec4<f32>(0.0);`)}
  let w = tid % W;
  let lane = tid / W;
  workgroupBarrier();
  for (var pi = first; pi < last; pi++) {
    let base = PT[(b * U.kvHeads + h) * U.maxPages + pi] * PAGE_WORDS;
    let valid = min(P, len - pi * P);
    ${foldScales}
    ${decl('s', 'vec4<f32>(NEG)')}
    if (tid < valid) {${scoreToken}
    }${writeLogits}
    ${sg ? maxSubgroup : maxTree}
    let live = tid < valid;
    ${eachV(
      (v) => `{
      let mNew = max(m${v}, ${sg ? `pm${v}` : `tmp[${v}u]`});
      let corr = exp(m${v} - mNew);
      m${v} = mNew;
      let p = select(vec4<f32>(0.0), exp(s${v} - mNew), live);
      l${v} = l${v} * corr + p;
      red[tid * QV + ${v}u] = p;
      am${v} *= corr;
      ${each(L.perWord, (j) => `a${j}_${v} *= corr;`)}
    }`,
    )}
    workgroupBarrier();${accumulateValues}
    workgroupBarrier();
  }
  ${sg ? sumSubgroup : sumTree}
  for (var ln = 0u; ln < LANES; ln++) {
    if (lane == ln) {
      ${eachJV((j, v) => `tmp[(w * CPW + ${j}u) * QV + ${v}u] += a${j}_${v} + am${v};`)}
    }
    workgroupBarrier();
  }
  let o = (b * U.kvHeads + h) * U.splits + split;
  for (var i = tid; i < D * QV; i += P) { OACC[o * D * QV + i] = tmp[i]; }
  if (tid == 0u) {
    ${eachV((v) => `OML[(o * 2u) * QV + ${v}u] = m${v}; OML[(o * 2u + 1u) * QV + ${v}u] = ${sg ? `lt${v}` : `red[${v}u]`};`)}
  }
}
`
}
