import { attentionBindings, LOAD_QUERY } from './attention-bindings.js'
import type { PageLayout } from './layout.js'

/** Compile-time constants of the `int8` split decode-attention kernel. */
export interface Int8AttentionConstants {
  /** A q layout with `arithmetic: 'int8'`. */
  readonly layout: PageLayout
  /** vec4s of query heads per KV head: ceil(queryHeadsPerKv / 4). */
  readonly qv: number
  /** Whether the kernel also writes each token's scaled logit (for attention weights). */
  readonly logits: boolean
  /** Most pages one workgroup takes (the split plan never gives it more). */
  readonly pagesPerSplit: number
}

/**
 * Key groups one split holds at most by default. On an H200 through Dawn, 8 (17 KB of workgroup memory at
 * head dim 128) ran as fast as 12 and faster than 16 or 24: a workgroup with 30 KB or more of workgroup
 * memory gets an SM to itself (tools/gpu-bench/results).
 */
export const INT8_KEY_GROUPS_PER_SPLIT = 8

/**
 * The most pages per split of the `int8` kernel for a layout: as many as hold
 * {@link INT8_KEY_GROUPS_PER_SPLIT} key groups and fit `maxWorkgroupBytes` of workgroup memory (16 KiB, the
 * WebGPU minimum, by default), at least one.
 *
 * @example
 * int8PagesPerSplit(pageLayout('q4', 128, 128, 128, 'int8'), 1, 49152) // 8
 */
export function int8PagesPerSplit(layout: PageLayout, qv = 1, maxWorkgroupBytes = 16384): number {
  let pages = Math.max(1, Math.floor(INT8_KEY_GROUPS_PER_SPLIT / (layout.pageTokens / layout.groupSize)))
  while (
    pages > 1 &&
    int8SharedBytes({ layout, qv, logits: false, pagesPerSplit: pages }) > maxWorkgroupBytes
  )
    pages--
  return pages
}

/** One workgroup array of the `int8` kernel: its WGSL element type, the element's bytes, the count. */
interface WorkgroupArray {
  readonly name: string
  readonly type: string
  readonly bytes: number
  readonly count: number
}

/** The `int8` kernel's workgroup arrays: what the WGSL declares and what `int8SharedBytes` adds up. */
function int8WorkgroupArrays(c: Int8AttentionConstants): WorkgroupArray[] {
  const { headDim: D, pageTokens: P, rowWords: W, perWord, groupSize } = c.layout
  const QV = c.qv
  const VG = D / groupSize
  const KPS = c.pagesPerSplit
  const KG = KPS * (P / groupSize)
  const vec4 = (name: string, type: string, count: number) => ({ name, type, bytes: 16, count: count * QV })
  return [
    vec4('qsh', 'vec4<f32>', D),
    vec4('qk', 'vec4<u32>', KG * W * (perWord / 4)),
    vec4('alpha', 'vec4<f32>', KG),
    vec4('kbias', 'vec4<f32>', KG),
    // workgroup reductions: per-thread partials, and the query step's partials per (key group, row word)
    vec4('red', 'vec4<f32>', Math.max(P * (1 + VG), 2 * KG * W)),
    { name: 'pbase', type: 'u32', bytes: 4, count: KPS },
    { name: 'wq', type: 'atomic<u32>', bytes: 4, count: KPS * (P / 4) * VG * 4 * QV },
    { name: 'oacc', type: 'atomic<u32>', bytes: 4, count: D * 4 * QV },
  ]
}

/**
 * Bytes of workgroup memory the `int8` kernel declares for these constants (it must fit the device's
 * `maxComputeWorkgroupStorageSize`, 16 KiB guaranteed, 48 KiB on most GPUs).
 *
 * @example
 * int8SharedBytes({ layout, qv: 1, logits: false, pagesPerSplit: 8 }) // 16,672 for q4, headDim 128, group 128
 */
export function int8SharedBytes(c: Int8AttentionConstants): number {
  return int8WorkgroupArrays(c).reduce((sum, a) => sum + a.bytes * a.count, 0)
}

/**
 * WGSL of one split of flash-decoding over `int8`-ordered q pages, with 4-way integer dot products.
 *
 * A workgroup of `pageTokens` invocations takes (split, KV head, sequence) and up to `pagesPerSplit` pages:
 * 1. per key group, the query times the key scales (`q·scale`, KIVI's per-channel scales folded in) is
 *    rounded to int8 with one step `α = max|q·scale| / 127` per query head; key mins become a float bias;
 * 2. one invocation per token: `dot4I8Packed` of the int8 query with the token's codes (one byte-lane
 *    mask per code position, no conversion of codes), logit = `α·Σ + bias`, kept in registers;
 * 3. the split's maximum, then `p = exp(logit − max)`, and the weights `p·valueScale` rounded to u8 with one
 *    step `σ = max / 255` per query head; value mins summed in float (`Σ p·min`);
 * 4. one invocation per (row word, token quads): `dot4U8Packed` of 4 tokens' codes of a channel (the
 *    transposed value quads) with their 4 u8 weights, summed exactly in u32;
 * 5. the output `σ·Σ + Σ p·min`, the max and `Σ p` go to the reduce kernel (as the float32 kernel's).
 * Error bound: `int8AttentionErrorBound`.
 *
 * @example
 * const code = attentionInt8Wgsl({ layout: pageLayout('q4', 128, 128, 128, 'int8'), qv: 1, logits: false, pagesPerSplit: 8 })
 */
export function attentionInt8Wgsl(c: Int8AttentionConstants): string {
  const L = c.layout
  if (L.arithmetic !== 'int8' || L.kind === 'f16') {
    throw new RangeError(
      `attentionInt8Wgsl: needs a q layout with arithmetic 'int8', got ${L.kind}/${L.arithmetic}`,
    )
  }
  const D = L.headDim
  const P = L.pageTokens
  const W = L.rowWords
  if (P % W !== 0) {
    throw new RangeError(`attentionInt8Wgsl: ${W} words per row must divide pageTokens ${P}`)
  }
  const QV = c.qv
  const CPW = L.perWord
  const BPB = CPW / 4
  const GP = P / L.groupSize
  const VG = D / L.groupSize
  const KPS = c.pagesPerSplit
  const KG = KPS * GP
  const shared = int8WorkgroupArrays(c)
  const wqWords = shared.find((a) => a.name === 'wq')!.count
  /** Token quads of a page per invocation in the value pass. */
  const NQ = W / 4
  const byteMask = L.bits === 4 ? '0x0F0F0F0Fu' : '0x03030303u'
  const each = (n: number, f: (i: number) => string, sep = '\n    ') =>
    Array.from({ length: n }, (_, i) => f(i)).join(sep)
  const eachV = (f: (v: number) => string) => each(QV, f, ' ')
  const lanes = ['x', 'y', 'z', 'w']
  const dot4 = (fn: string, a: string, b: string) =>
    `vec4<${fn === 'dot4I8Packed' ? 'i32' : 'u32'}>(${lanes.map((x) => `${fn}(${a}, ${b}.${x})`).join(', ')})`
  const tree = (op: (a: string, b: string) => string, width: number) => /* wgsl */ `
  workgroupBarrier();
  for (var st = P / 2u; st > 0u; st >>= 1u) {
    if (tid < st) {
      for (var i = 0u; i < ${width * QV}u; i++) {
        red[tid * ${width * QV}u + i] = ${op(`red[tid * ${width * QV}u + i]`, `red[(tid + st) * ${width * QV}u + i]`)};
      }
    }
    workgroupBarrier();
  }`
  const validOf = (pg: string) => `select(0u, min(P, len - (first + ${pg}) * P), ${pg} < np)`
  const writeLogits = c.logits
    ? /* wgsl */ `
      for (var j = 0u; j < qpk; j++) {
        var x = 0.0;
        ${eachV((v) => `if (j / 4u == ${v}u) { x = s${v}[j % 4u]; }`)}
        LOGITS[(b * U.qHeads + h * qpk + j) * U.logitStride + (first + pg) * P + tid] = x;
      }`
    : ''
  const logitsPass = /* wgsl */ `
  // 2. logits, one token per invocation; the next page's key words are loaded before this page's sums
  ${eachV((v) => `var mloc${v} = vec4<f32>(NEG);`)}
  ${each(W / 4, (k4) => `var x${k4} = vec4<u32>(0u);`)}
  if (tid < ${validOf('0u')}) {
    ${each(W / 4, (k4) => `x${k4} = PG4[(pbase[0] + KW) / 4u + ${k4}u * P + tid];`)}
  }
  for (var pg = 0u; pg < KPS; pg++) {
    let valid = ${validOf('pg')};
    ${each(W / 4, (k4) => `var y${k4} = vec4<u32>(0u);`)}
    if (pg + 1u < KPS && tid < ${validOf('(pg + 1u)')}) {
      ${each(W / 4, (k4) => `y${k4} = PG4[(pbase[pg + 1u] + KW) / 4u + ${k4}u * P + tid];`)}
    }
    ${eachV((v) => `var s${v} = vec4<f32>(NEG);`)}
    if (tid < valid) {
      let base = pbase[pg];
      for (var g = 0u; g < VG; g++) {
        vreg[pg * VG + g] = vec2<f32>(bitcast<f32>(PG[base + VS + tid * VG + g]), bitcast<f32>(PG[base + VM + tid * VG + g]));
      }
      let kg = pg * GP + tid / GROUP;
      ${eachV((v) => `var acc${v} = vec4<i32>(0);`)}
      ${each(W / 4, (k4) =>
        each(4, (m) =>
          each(BPB, (j) => {
            const k = k4 * 4 + m
            return `{ let bw = (x${k4}.${lanes[m]} >> ${j * L.bits}u) & BMASK; ${eachV(
              (v) =>
                `let qq${v} = qk[((kg * W + ${k}u) * BPB + ${j}u) * QV + ${v}u]; acc${v} += ${dot4('dot4I8Packed', 'bw', `qq${v}`)};`,
            )} }`
          }),
        ),
      )}
      ${eachV((v) => `s${v} = alpha[kg * QV + ${v}u] * vec4<f32>(acc${v}) + kbias[kg * QV + ${v}u];`)}${writeLogits}
    }
    ${eachV((v) => `sreg[pg * QV + ${v}u] = s${v}; mloc${v} = max(mloc${v}, s${v});`)}
    ${each(W / 4, (k4) => `x${k4} = y${k4};`)}
  }
`
  const valuePass = /* wgsl */ `
  ${each(NQ, (i) => `var z${i} = vec4<u32>(0u);`)}
  {
    let quads = (${validOf('0u')} + 3u) / 4u;
    ${each(NQ, (i) => `if (lane + ${i}u * LANES < quads) { z${i} = PG4[(pbase[0] + VW) / 4u + (lane + ${i}u * LANES) * W + k]; }`)}
  }
  for (var pg = 0u; pg < KPS; pg++) {
    let quads = (${validOf('pg')} + 3u) / 4u;
    ${each(NQ, (i) => `var n${i} = vec4<u32>(0u);`)}
    if (pg + 1u < KPS) {
      let nextQuads = (${validOf('(pg + 1u)')} + 3u) / 4u;
      ${each(NQ, (i) => `if (lane + ${i}u * LANES < nextQuads) { n${i} = PG4[(pbase[pg + 1u] + VW) / 4u + (lane + ${i}u * LANES) * W + k]; }`)}
    }
    ${each(
      NQ,
      (i) => `if (lane + ${i}u * LANES < quads) {
      let wb = ((pg * (P / 4u) + lane + ${i}u * LANES) * VG + vgk) * 4u * QV;
      ${eachV((v) => `let wv${v} = vec4<u32>(${each(4, (x) => `atomicLoad(&wq[wb + ${4 * v + x}u])`, ', ')});`)}
      ${each(4, (m) =>
        each(BPB, (j) => {
          const e = m * BPB + j
          return `{ let bw = (z${i}.${lanes[m]} >> ${j * L.bits}u) & BMASK; ${eachV((v) => `a${e}_${v} += ${dot4('dot4U8Packed', 'bw', `wv${v}`)};`)} }`
        }),
      )}
    }`,
    )}
    ${each(NQ, (i) => `z${i} = n${i};`)}
  }
`
  return /* wgsl */ `
${attentionBindings(c.logits, ['PG4: array<vec4<u32>>'])}
const D: u32 = ${D}u;
const P: u32 = ${P}u;
const W: u32 = ${W}u;
const CPW: u32 = ${CPW}u;
const BITS: u32 = ${L.bits}u;
const BPB: u32 = ${BPB}u;
const BMASK: u32 = ${byteMask};
const QV: u32 = ${QV}u;
const GROUP: u32 = ${L.groupSize}u;
const GP: u32 = ${GP}u;
const VG: u32 = ${VG}u;
const KPS: u32 = ${KPS}u;
const KG: u32 = ${KG}u;
const LANES: u32 = ${P / W}u;
const PAGE_WORDS: u32 = ${L.pageWords}u;
const KW: u32 = ${L.keyWords}u;
const KS: u32 = ${L.keyScales}u;
const KM: u32 = ${L.keyMins}u;
const VW: u32 = ${L.valueWords}u;
const VS: u32 = ${L.valueScales}u;
const VM: u32 = ${L.valueMins}u;
const NEG: f32 = -1e30;

${shared.map((a) => `var<workgroup> ${a.name}: array<${a.type}, ${a.count}>;`).join('\n')}

@compute @workgroup_size(${P})
fn main(@builtin(local_invocation_index) tid: u32, @builtin(workgroup_id) wg: vec3<u32>) {
  let split = wg.x; let h = wg.y; let b = wg.z;
  // this invocation's logits and value scale/min per page: read only by itself, so kept in registers
  var sreg: array<vec4<f32>, ${KPS * QV}>;
  var vreg: array<vec2<f32>, ${KPS * VG}>;
  let qpk = U.qHeads / U.kvHeads;
${LOAD_QUERY}
  for (var i = tid; i < ${wqWords}u; i += P) { atomicStore(&wq[i], 0u); }
  for (var i = tid; i < D * 4u * QV; i += P) { atomicStore(&oacc[i], 0u); }
  let len = LEN[b];
  let pages = (len + P - 1u) / P;
  let first = split * U.pagesPerSplit;
  let np = select(0u, min(pages - first, min(U.pagesPerSplit, KPS)), first < pages);
  if (tid < KPS) { pbase[tid] = select(0u, PT[(b * U.kvHeads + h) * U.maxPages + first + tid] * PAGE_WORDS, tid < np); }
  workgroupBarrier();

  // 1. int8 query per key group: partial max |q·scale| and Σ q·min per (group, row word)
  for (var it = tid; it < KG * W; it += P) {
    let kg = it / W; let k = it % W; let pg = kg / GP; let g = kg % GP;
    ${eachV((v) => `var amax${v} = vec4<f32>(0.0); var bsum${v} = vec4<f32>(0.0);`)}
    if (pg < np) {
      let base = pbase[pg];
      ${each(CPW, (e) => `let s${e} = bitcast<f32>(PG[base + KS + g * D + k * CPW + ${e}u]); let mn${e} = bitcast<f32>(PG[base + KM + g * D + k * CPW + ${e}u]);`)}
      ${each(CPW, (e) => eachV((v) => `amax${v} = max(amax${v}, abs(qsh[(k * CPW + ${e}u) * QV + ${v}u] * s${e})); bsum${v} += qsh[(k * CPW + ${e}u) * QV + ${v}u] * mn${e};`))}
    }
    ${eachV((v) => `red[it * QV + ${v}u] = amax${v}; red[(KG * W + it) * QV + ${v}u] = bsum${v};`)}
  }
  workgroupBarrier();
  for (var kg = tid; kg < KG; kg += P) {
    ${eachV((v) => `var a${v} = vec4<f32>(0.0); var s${v} = vec4<f32>(0.0);`)}
    for (var k = 0u; k < W; k++) {
      ${eachV((v) => `a${v} = max(a${v}, red[(kg * W + k) * QV + ${v}u]); s${v} += red[(KG * W + kg * W + k) * QV + ${v}u];`)}
    }
    ${eachV((v) => `alpha[kg * QV + ${v}u] = select(a${v} / 127.0, vec4<f32>(1.0), a${v} == vec4<f32>(0.0)); kbias[kg * QV + ${v}u] = s${v};`)}
  }
  workgroupBarrier();
  for (var it = tid; it < KG * W; it += P) {
    let kg = it / W; let k = it % W; let pg = kg / GP; let g = kg % GP;
    if (pg < np) {
      let base = pbase[pg];
      ${each(
        CPW,
        (e) =>
          `let s${e} = bitcast<f32>(PG[base + KS + g * D + k * CPW + ${e}u]); ${eachV(
            (v) =>
              `let q${e}_${v} = vec4<i32>(clamp(round(qsh[(k * CPW + ${e}u) * QV + ${v}u] * s${e} / alpha[kg * QV + ${v}u]), vec4<f32>(-127.0), vec4<f32>(127.0)));`,
          )}`,
      )}
      ${each(BPB, (j) =>
        eachV(
          (v) =>
            `qk[(it * BPB + ${j}u) * QV + ${v}u] = vec4<u32>(${lanes
              .map(
                (x) =>
                  `pack4xI8(vec4<i32>(${[0, 1, 2, 3].map((byte) => `q${byte * BPB + j}_${v}.${x}`).join(', ')}))`,
              )
              .join(', ')});`,
        ),
      )}
    }
  }
  workgroupBarrier();

${logitsPass}
  ${eachV((v) => `red[tid * QV + ${v}u] = mloc${v};`)}${tree((a, b) => `max(${a}, ${b})`, 1)}
  ${eachV((v) => `let mx${v} = red[${v}u];`)}
  workgroupBarrier();

  // 3. weights p·valueScale: their maximum gives the u8 step; Σ p and Σ p·valueMin in float
  ${eachV((v) => `var l${v} = vec4<f32>(0.0); var wmax${v} = vec4<f32>(0.0);`)}
  ${each(VG, (g) => eachV((v) => `var mt${g}_${v} = vec4<f32>(0.0);`))}
  for (var pg = 0u; pg < KPS; pg++) {
    if (tid < ${validOf('pg')}) {
      ${eachV((v) => `let p${v} = exp(sreg[pg * QV + ${v}u] - mx${v}); l${v} += p${v};`)}
      ${each(
        VG,
        (g) => `{ let sm = vreg[pg * VG + ${g}u];
        ${eachV((v) => `wmax${v} = max(wmax${v}, p${v} * sm.x); mt${g}_${v} += p${v} * sm.y;`)} }`,
      )}
    }
  }
  ${eachV((v) => `red[tid * QV + ${v}u] = wmax${v};`)}${tree((a, b) => `max(${a}, ${b})`, 1)}
  ${eachV((v) => `let sigma${v} = select(red[${v}u] / 255.0, vec4<f32>(1.0), red[${v}u] == vec4<f32>(0.0));`)}
  workgroupBarrier();
  for (var pg = 0u; pg < KPS; pg++) {
    if (tid < ${validOf('pg')}) {
      let shift = 8u * (tid % 4u);
      ${eachV((v) => `let p${v} = exp(sreg[pg * QV + ${v}u] - mx${v});`)}
      for (var g = 0u; g < VG; g++) {
        let vs = vreg[pg * VG + g].x;
        let slot = ((pg * (P / 4u) + tid / 4u) * VG + g) * 4u * QV;
        ${eachV(
          (v) =>
            `{ let w = vec4<u32>(min(round(p${v} * vs / sigma${v}), vec4<f32>(255.0))) << vec4<u32>(shift);
        ${each(4, (x) => `atomicOr(&wq[slot + ${4 * v + x}u], w.${lanes[x]});`, ' ')} }`,
        )}
      }
    }
  }
  workgroupBarrier();

  // 4. values: one invocation per (row word, lane of token quads), exact u32 sums of u8 weight × code;
  // all of a page's quads of an invocation are loaded at once, the next page's before this page's sums
  let k = tid % W;
  let lane = tid / W;
  let vgk = (k * CPW) / GROUP;
  ${each(CPW, (e) => eachV((v) => `var a${e}_${v} = vec4<u32>(0u);`))}
${valuePass}
  ${each(CPW, (e) =>
    eachV((v) =>
      each(
        4,
        (x) => `atomicAdd(&oacc[(k * CPW + ${e}u) * 4u * QV + ${4 * v + x}u], a${e}_${v}.${lanes[x]});`,
        ' ',
      ),
    ),
  )}
  workgroupBarrier();
  ${eachV((v) => `red[(tid * (1u + VG)) * QV + ${v}u] = l${v};`)}
  ${each(VG, (g) => eachV((v) => `red[(tid * (1u + VG) + ${1 + g}u) * QV + ${v}u] = mt${g}_${v};`))}${tree((a, b) => `${a} + ${b}`, 1 + VG)}
  let o = (b * U.kvHeads + h) * U.splits + split;
  for (var i = tid; i < D * QV; i += P) {
    let d = i / QV; let v = i % QV;
    let sum = vec4<f32>(vec4<u32>(${each(4, (x) => `atomicLoad(&oacc[d * 4u * QV + v * 4u + ${x}u])`, ', ')}));
    var sg = vec4<f32>(0.0);
    ${eachV((v) => `if (v == ${v}u) { sg = sigma${v}; }`)}
    OACC[o * D * QV + i] = sg * sum + red[(1u + d / GROUP) * QV + v];
  }
  if (tid == 0u) {
    ${eachV((v) => `OML[(o * 2u) * QV + ${v}u] = mx${v}; OML[(o * 2u + 1u) * QV + ${v}u] = red[${v}u];`)}
  }
}
`
}
