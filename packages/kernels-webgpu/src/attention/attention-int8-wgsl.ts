import { attentionBindings } from './attention-bindings.js'
import {
  type Int8QueryConstants,
  int8QueryBlock,
  int8QueryChannels,
  int8QueryDeclarations,
  int8QueryLanes,
  int8QueryLoads,
  int8QueryRegisters,
  int8QuerySharedBytes,
  int8QueryStep,
} from './int8-query-wgsl.js'
import type { PageLayout } from './layout.js'

/** Compile-time constants of the `int8` split decode-attention kernel. */
export interface Int8AttentionConstants {
  /** A q layout with `arithmetic: 'int8'`. */
  readonly layout: PageLayout
  /** vec4s of query heads per KV head: ceil(queryHeadsPerKv / 4). */
  readonly qv: number
  /** Whether the kernel also writes each token's scaled logit (for attention weights). */
  readonly logits: boolean
  /**
   * The subgroup size where the device has the `subgroups` feature and its subgroups are consecutive runs
   * of `local_invocation_index` (`probeSubgroups`), else 0. With subgroups, the page maxima are reduced
   * with shuffles before one `atomicMax` per subgroup, and the int8 query's reductions over its
   * `headDim / 4` words run on shuffles when one subgroup holds them; else through workgroup memory.
   */
  readonly subgroupSize: number
}

/** Invocations per workgroup of the `int8` kernel. */
const WORKGROUP = 128

/** How the `int8` kernel shares out its work (all derived from the layout). */
function shape(layout: PageLayout) {
  const quads = layout.pageTokens / 4
  const valueItems = 4 * layout.rowWords
  return {
    quads,
    /** Pages a workgroup takes per step: one invocation per 4 tokens. */
    pagesPerStep: WORKGROUP / quads,
    /** Value pass: one invocation per (row word, byte of the word) and lane of token quads. */
    valueItems,
    valueLanes: WORKGROUP / valueItems,
  }
}

/**
 * Why the `int8` kernel cannot take this layout, or undefined when it can: the value pass needs
 * `4 · rowWords ≤ 128` (head dim up to 256 for q4, 512 for q2).
 */
export function int8LayoutProblem(layout: PageLayout): string | undefined {
  const { valueItems } = shape(layout)
  if (valueItems > WORKGROUP) {
    return `arithmetic 'int8' takes up to ${WORKGROUP / 4} words per row (head dim ${(WORKGROUP / 4) * layout.perWord} for ${layout.kind}), got ${layout.rowWords}`
  }
  return undefined
}

/**
 * Bytes of workgroup memory the `int8` kernel declares (it must fit the device's
 * `maxComputeWorkgroupStorageSize`, 16 KiB guaranteed): the u8 attention weights of one step
 * (`128 · valueGroups · qv` vec4s), the int8 query of the step's key groups, the page maxima and bases.
 * `subgroupSize` as in {@link Int8AttentionConstants}; 0 (no subgroups, a workgroup tree) needs the most.
 *
 * @example
 * int8SharedBytes(pageLayout('q4', 128, 128, 128, 'int8'), 1, 32) // 4,420
 */
export function int8SharedBytes(layout: PageLayout, qv: number, subgroupSize = 0): number {
  const { pagesPerStep } = shape(layout)
  const VG = layout.headDim / layout.groupSize
  const own = 16 * WORKGROUP * VG * qv + 4 * 2 * pagesPerStep * (qv * 4 + VG + 1) + 4
  return own + int8QuerySharedBytes(queryConstants(layout, qv, subgroupSize))
}

function queryConstants(layout: PageLayout, qv: number, subgroupSize: number): Int8QueryConstants {
  return {
    layout,
    qv,
    workgroup: WORKGROUP,
    groups: shape(layout).pagesPerStep * (layout.pageTokens / layout.groupSize),
    shuffles: subgroupSize >= int8QueryLanes(layout),
  }
}

/**
 * WGSL of one split of flash-decoding over `int8`-ordered q pages with 4-way integer dot products. A
 * workgroup of 128 invocations takes (split, KV head, sequence) and walks the split's pages a few at a time
 * (`512 / pageTokens` per step):
 * 1. int8 query (`int8-query-wgsl.ts`): per key group, `q·keyScale` rounded to int8 with one step
 *    `α = max|q·keyScale| / 127` per query head, key mins as a float bias; one invocation per int8 query
 *    word, reduced over subgroup shuffles or a workgroup tree; the key scales are loaded a step ahead;
 * 2. logits: one invocation per 4 tokens, `dot4I8Packed` of the int8 query with the masked code bytes,
 *    logit = `α·Σ + bias`; each page's maximum logit and largest value scale go to workgroup memory
 *    (subgroup shuffles, then one `atomicMax` per subgroup);
 * 3. weights: `p = exp(logit − page max)`, `p·valueScale` rounded to u8 with the page's step
 *    `σ = max valueScale / 255`, packed 4 tokens to a word per query head; `Σ p` and `Σ p·valueMin` in
 *    float, in the frame of the split's running maximum;
 * 4. values: one invocation per (row word, byte) and lane of token quads, `dot4U8Packed` of 4 tokens'
 *    codes of a channel (the transposed value quads) with their 4 u8 weights, summed exactly in u32 over
 *    a page, then scaled by `σ·exp(page max − running max)` into float;
 * 5. the output `Σ` + `Σ p·valueMin`, the running max and `Σ p` go to the reduce kernel.
 * Three workgroup barriers per step and little workgroup memory (`int8SharedBytes`), so that several
 * workgroups share a multiprocessor. Error bound: `int8AttentionErrorBound`.
 *
 * @example
 * const code = attentionInt8Wgsl({ layout: pageLayout('q4', 128, 128, 128, 'int8'), qv: 1, logits: false, subgroupSize: 32 })
 */
export function attentionInt8Wgsl(c: Int8AttentionConstants): string {
  const L = c.layout
  if (L.arithmetic !== 'int8' || L.kind === 'f16') {
    throw new RangeError(
      `attentionInt8Wgsl: needs a q layout with arithmetic 'int8', got ${L.kind}/${L.arithmetic}`,
    )
  }
  const problem = int8LayoutProblem(L)
  if (problem !== undefined) throw new RangeError(`attentionInt8Wgsl: ${problem}`)
  const { quads: QUADS, pagesPerStep: R, valueItems: KMI, valueLanes: LQ } = shape(L)
  const W = L.rowWords
  const QV = c.qv
  const BPB = L.perWord / 4
  const VG = L.headDim / L.groupSize
  const QPL = QUADS / LQ
  const byteMask = L.bits === 4 ? '0x0F0F0F0Fu' : '0x03030303u'
  const each = (n: number, f: (i: number) => string, sep = '\n    ') =>
    Array.from({ length: n }, (_, i) => f(i)).join(sep)
  const eachV = (f: (v: number) => string) => each(QV, f, ' ')
  const lanes = ['x', 'y', 'z', 'w']
  const dot4 = (fn: string, a: string, b: string) =>
    `vec4<${fn === 'dot4I8Packed' ? 'i32' : 'u32'}>(${lanes.map((x) => `${fn}(${a}, ${b}.${x})`).join(', ')})`
  /** A tree sum over the workgroup of `width` vec4s per invocation, in `scratch`; leaves the sums at 0.. */
  const treeSum = (width: number, store: (i: number) => string) => /* wgsl */ `
  workgroupBarrier();
  ${each(width, (i) => `scratch[tid * ${width}u + ${i}u] = bitcast<vec4<u32>>(${store(i)});`)}
  workgroupBarrier();
  for (var st = WGS / 2u; st > 0u; st >>= 1u) {
    if (tid < st) {
      for (var i = 0u; i < ${width}u; i++) {
        let a = tid * ${width}u + i;
        scratch[a] = bitcast<vec4<u32>>(bitcast<vec4<f32>>(scratch[a]) + bitcast<vec4<f32>>(scratch[(tid + st) * ${width}u + i]));
      }
    }
    workgroupBarrier();
  }`
  const SG = c.subgroupSize > 0
  const query = queryConstants(L, QV, c.subgroupSize)
  const GBS = int8QueryBlock(L, QV)
  /** Maximum of `tm{n}` over the invocations of a page (the subgroup's part of them). */
  const shuffles = (n: number) =>
    SG
      ? each(
          Math.log2(QUADS),
          (i) =>
            `{ let o = subgroupShuffleXor(tm${n}, ${1 << i}u); tm${n} = select(tm${n}, max(tm${n}, o), ${1 << i}u < sgs); }`,
        )
      : ''
  const tokenMax = [
    ...Array.from(
      { length: QV },
      (_, v) => `var tm${v} = max(max(s0_${v}, s1_${v}), max(s2_${v}, s3_${v}));
    ${shuffles(v)}`,
    ),
    // the largest value scale of the page per value group (non-negative: ordered as u32 bits)
    ...Array.from(
      { length: VG },
      (
        _,
        g,
      ) => `var tm${QV + g} = vec4<f32>(${each(4, (i) => `select(0.0, bitcast<f32>(vsr${i}_${g}), ${`4u * q + ${i}u`} < nval)`, ', ')});
    tm${QV + g} = vec4<f32>(max(max(tm${QV + g}.x, tm${QV + g}.y), max(tm${QV + g}.z, tm${QV + g}.w)));
    ${shuffles(QV + g)}`,
    ),
  ].join('\n    ')
  const writeLogits = c.logits
    ? /* wgsl */ `
    for (var i = 0u; i < 4u; i++) {
      let t = 4u * q + i;
      if (t < nval) {
        for (var j = 0u; j < qpk; j++) {
          var x = 0.0;
          ${each(4, (i) => eachV((v) => `if (i == ${i}u && j / 4u == ${v}u) { x = s${i}_${v}[j % 4u]; }`), ' ')}
          LOGITS[(b * U.qHeads + h * qpk + j) * U.logitStride + (first + pgi) * P + t] = x;
        }
      }
    }`
    : ''
  const keys = each(W / 4, (k4) => {
    const loads = each(4, (i) => `let x${i} = PG4[(base + KW) / 4u + ${k4}u * P + 4u * q + ${i}u];`)
    const sums = each(4, (m) =>
      each(BPB, (j) => {
        const k = k4 * 4 + m
        const qq = eachV((v) => `let qq${v} = qks[qkb + ${(k * BPB + j) * QV + v}u];`)
        const dots = each(4, (i) =>
          eachV(
            (v) =>
              `acc${i}_${v} += ${dot4('dot4I8Packed', `((x${i}.${lanes[m]} >> ${j * L.bits}u) & BMASK)`, `qq${v}`)};`,
          ),
        )
        return `{ ${qq}\n    ${dots} }`
      }),
    )
    return `{\n    ${loads}\n    ${sums}\n    }`
  })
  const values = each(QPL, (qi) => {
    const quad = `(lane + ${qi * LQ}u)`
    const loads = `let word = cw${qi}; ${eachV((v) => `let wv${v} = scratch[((rr * QUADS + ${quad}) * VG + vgk) * QV + ${v}u];`)}`
    const dots = each(BPB, (j) =>
      eachV((v) => `a${j}_${v} += ${dot4('dot4U8Packed', `((word >> ${j * L.bits}u) & BMASK)`, `wv${v}`)};`),
    )
    return `{ ${loads}\n      ${dots} }`
  })
  return /* wgsl */ `${SG ? 'enable subgroups;\n' : ''}
${attentionBindings(c.logits, ['PG4: array<vec4<u32>>'])}
const WGS: u32 = ${WORKGROUP}u;
const D: u32 = ${L.headDim}u;
const P: u32 = ${L.pageTokens}u;
const W: u32 = ${W}u;
const CPW: u32 = ${L.perWord}u;
const BMASK: u32 = ${byteMask};
const QV: u32 = ${QV}u;
const GROUP: u32 = ${L.groupSize}u;
const GP: u32 = ${L.pageTokens / L.groupSize}u;
const VG: u32 = ${VG}u;
const QUADS: u32 = ${QUADS}u;
const R: u32 = ${R}u;
const KMI: u32 = ${KMI}u;
const BPB: u32 = ${BPB}u;
const PAGE_WORDS: u32 = ${L.pageWords}u;
const KW: u32 = ${L.keyWords}u;
const VW: u32 = ${L.valueWords}u;
const VS: u32 = ${L.valueScales}u;
const VM: u32 = ${L.valueMins}u;
const GBS: u32 = ${GBS}u;
const NEG: f32 = -1e30;

// u8 weights of a step [page][quad][value group][qv] (one word per query head); scratch of the final sums
var<workgroup> scratch: array<vec4<u32>, ${WORKGROUP * VG * QV}>;
// each page's maximum logit per query head, as order-preserving u32, two steps' worth
var<workgroup> mx: array<atomic<u32>, ${2 * R * QV * 4}>;
// each page's largest value scale per value group (float bits), two steps' worth
var<workgroup> vx: array<atomic<u32>, ${2 * R * VG}>;
var<workgroup> pb: array<u32, ${2 * R}>;
// the int8 query of the step's key groups
${int8QueryDeclarations(query)}
var<workgroup> nsh: u32;

fn orderKey(x: f32) -> u32 {
  let u = bitcast<u32>(x);
  return select(u | 0x80000000u, ~u, (u & 0x80000000u) != 0u);
}
fn pageMax(slot: u32) -> vec4<f32> {
  var m = vec4<f32>(0.0);
  for (var e = 0u; e < 4u; e++) {
    let k = atomicLoad(&mx[slot * 4u + e]);
    m[e] = bitcast<f32>(select(~k, k & 0x7FFFFFFFu, (k & 0x80000000u) != 0u));
  }
  return m;
}

@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(local_invocation_index) tid: u32, @builtin(workgroup_id) wg: vec3<u32>${SG ? ', @builtin(subgroup_size) sgs: u32' : ''}) {
  let split = wg.x; let h = wg.y; let b = wg.z;
  let qpk = U.qHeads / U.kvHeads;
  let len = LEN[b];
  let pages = (len + P - 1u) / P;
  let first = split * U.pagesPerSplit;
  let np = select(0u, min(pages - first, U.pagesPerSplit), first < pages);
  let rowPages = (b * U.kvHeads + h) * U.maxPages;
  for (var i = tid; i < 2u * R * QV * 4u; i += WGS) { atomicStore(&mx[i], 0u); }
  for (var i = tid; i < 2u * R * VG; i += WGS) { atomicStore(&vx[i], 0u); }
  ${int8QueryChannels(query)}
  ${int8QueryRegisters(query)}
  if (tid < R) { pb[tid] = select(0u, PT[rowPages + min(first + tid, U.maxPages - 1u)] * PAGE_WORDS, tid < np); }
  if (tid == 0u) { nsh = (np + R - 1u) / R; }
  let steps = workgroupUniformLoad(&nsh);
  ${int8QueryLoads(query, '0u')}

  // token invocation: 4 tokens (quad q) of page r of the step
  let r = tid / QUADS; let q = tid % QUADS; let kg = (4u * q) / GROUP;
  // value invocation: byte mm of row word k, every LQ-th quad of each page
  let km = tid % KMI; let lane = tid / KMI; let k = km / 4u; let mm = km % 4u; let vgk = (k * CPW) / GROUP;
  ${eachV((v) => `var m${v} = vec4<f32>(NEG); var l${v} = vec4<f32>(0.0);`)}
  ${each(VG, (g) => eachV((v) => `var mt${g}_${v} = vec4<f32>(0.0);`))}
  ${each(BPB, (j) => eachV((v) => `var f${j}_${v} = vec4<f32>(0.0);`))}
  for (var s = 0u; s < steps; s++) {
    let par = s & 1u;
    let pgi = s * R + r;
    let nval = select(0u, min(P, len - (first + pgi) * P), pgi < np);
    let base = pb[par * R + r];
    let qkb = (r * GP + kg) * GBS;
    // loads wanted after the first barrier, issued now so that they overlap the logits
    ${each(4, (i) => each(VG, (g) => `let vsr${i}_${g} = PG[base + VS + (4u * q + ${i}u) * VG + ${g}u]; let vmr${i}_${g} = PG[base + VM + (4u * q + ${i}u) * VG + ${g}u];`, ' '))}
    ${each(QPL, (qi) => `var wd${qi} = PG[pb[par * R] + VW + ((lane + ${qi * LQ}u) * W + k) * 4u + mm];`, ' ')}

    // 1. the int8 query of the step's key groups, then the logits of 4 tokens
    ${int8QueryStep(query)}
    workgroupBarrier();
    ${each(4, (i) => eachV((v) => `var acc${i}_${v} = vec4<i32>(0);`))}
    ${keys}
    ${eachV((v) => `let alpha${v} = bitcast<vec4<f32>>(qks[qkb + W * BPB * QV + ${v}u]); let bias${v} = bitcast<vec4<f32>>(qks[qkb + W * BPB * QV + QV + ${v}u]);`)}
    ${each(4, (i) => eachV((v) => `let s${i}_${v} = select(vec4<f32>(NEG), alpha${v} * vec4<f32>(acc${i}_${v}) + bias${v}, 4u * q + ${i}u < nval);`))}${writeLogits}
    ${tokenMax}
    if (${SG ? 'tid % min(sgs, QUADS) == 0u' : 'true'}) {
      ${eachV((v) => each(4, (e) => `atomicMax(&mx[((par * R + r) * QV + ${v}u) * 4u + ${e}u], orderKey(tm${v}.${lanes[e]}));`, ' '))}
      ${each(VG, (g) => `atomicMax(&vx[(par * R + r) * VG + ${g}u], bitcast<u32>(tm${QV + g}.x) & 0x7FFFFFFFu);`, ' ')}
    }
    workgroupBarrier();

    // the split's running maximum; clear the other step's maxima, fetch its page bases
    ${eachV((v) => `var mn${v} = m${v};`)}
    for (var rr = 0u; rr < R; rr++) { ${eachV((v) => `mn${v} = max(mn${v}, pageMax((par * R + rr) * QV + ${v}u));`)} }
    ${eachV((v) => `let resc${v} = exp(m${v} - mn${v}); m${v} = mn${v};`)}
    for (var i = tid; i < R * QV * 4u; i += WGS) { atomicStore(&mx[(1u - par) * R * QV * 4u + i], 0u); }
    for (var i = tid; i < R * VG; i += WGS) { atomicStore(&vx[(1u - par) * R * VG + i], 0u); }
    if (tid < R) {
      let nx = (s + 1u) * R + tid;
      pb[(1u - par) * R + tid] = select(0u, PT[rowPages + min(first + nx, U.maxPages - 1u)] * PAGE_WORDS, nx < np);
    }

    // 2. u8 weights p·valueScale/σ of the 4 tokens, 4 tokens to a word per query head
    ${eachV((v) => `let pm${v} = pageMax((par * R + r) * QV + ${v}u); let fr${v} = exp(pm${v} - m${v}); l${v} *= resc${v};`)}
    ${each(VG, (g) => eachV((v) => `mt${g}_${v} *= resc${v};`))}
    ${each(4, (i) => each(VG, (g) => eachV((v) => `var u${i}_${g}_${v} = vec4<u32>(0u);`), ' '))}
    ${each(VG, (g) => `let vmax${g} = bitcast<f32>(atomicLoad(&vx[(par * R + r) * VG + ${g}u])); let inv${g} = select(255.0 / vmax${g}, 0.0, vmax${g} <= 0.0);`)}
    ${each(4, (i) => {
      const t = `4u * q + ${i}u`
      const perGroup = each(VG, (g) => {
        const vs = `select(0.0, bitcast<f32>(vsr${i}_${g}), ok${i})`
        const vm = `select(0.0, bitcast<f32>(vmr${i}_${g}), ok${i})`
        return `{ let vs = ${vs} * inv${g}; let vmin = ${vm};
      ${eachV((v) => `mt${g}_${v} += fr${v} * p${i}_${v} * vmin; u${i}_${g}_${v} = vec4<u32>(min(round(p${i}_${v} * vs), vec4<f32>(255.0)));`)} }`
      })
      return `let ok${i} = ${t} < nval;
    ${eachV((v) => `let p${i}_${v} = select(vec4<f32>(0.0), exp(s${i}_${v} - pm${v}), ok${i}); l${v} += fr${v} * p${i}_${v};`)}
    ${perGroup}`
    })}
    ${each(VG, (g) =>
      eachV(
        (v) =>
          `scratch[((r * QUADS + q) * VG + ${g}u) * QV + ${v}u] = vec4<u32>(${lanes
            .map((x) => `pack4xU8(vec4<u32>(${[0, 1, 2, 3].map((i) => `u${i}_${g}_${v}.${x}`).join(', ')}))`)
            .join(', ')});`,
      ),
    )}
    workgroupBarrier();

    // the next step's key scales and mins, behind the value pass
    ${int8QueryLoads(query, '(1u - par) * R')}

    // 3. values: exact u32 sums of u8 weight × code over each page, then into float
    ${each(BPB, (j) => eachV((v) => `f${j}_${v} *= resc${v};`))}
    for (var rr = 0u; rr < R; rr++) {
      let live = s * R + rr < np;
      let vmax = bitcast<f32>(atomicLoad(&vx[(par * R + rr) * VG + vgk]));
      ${eachV((v) => `let sg${v} = select(vec4<f32>(0.0), exp(pageMax((par * R + rr) * QV + ${v}u) - m${v}) * (vmax / 255.0), live);`)}
      ${each(BPB, (j) => eachV((v) => `var a${j}_${v} = vec4<u32>(0u);`))}
      // this page's value words were fetched before; fetch the next page's now
      ${each(QPL, (qi) => `let cw${qi} = wd${qi};`, ' ')}
      if (rr + 1u < R) {
        let base3 = pb[par * R + rr + 1u];
        ${each(QPL, (qi) => `wd${qi} = PG[base3 + VW + ((lane + ${qi * LQ}u) * W + k) * 4u + mm];`, ' ')}
      }
      ${values}
      ${each(BPB, (j) => eachV((v) => `f${j}_${v} += sg${v} * vec4<f32>(a${j}_${v});`))}
    }
  }

  // 4. sums over the workgroup: Σ p, Σ p·valueMin per value group, the value lanes
  ${treeSum(QV, (v) => `l${v}`)}
  ${eachV((v) => `let lsum${v} = bitcast<vec4<f32>>(scratch[${v}u]);`)}
  ${treeSum(VG * QV, (i) => `mt${Math.floor(i / QV)}_${i % QV}`)}
  ${eachV((v) => `var mins${v} = vec4<f32>(0.0);`)}
  for (var g = 0u; g < VG; g++) {
    if (g == vgk) { ${eachV((v) => `mins${v} = bitcast<vec4<f32>>(scratch[g * QV + ${v}u]);`)} }
  }
  let o = (b * U.kvHeads + h) * U.splits + split;
  ${each(
    BPB,
    (j) => `workgroupBarrier();
  ${eachV((v) => `scratch[(lane * KMI + km) * QV + ${v}u] = bitcast<vec4<u32>>(f${j}_${v});`)}
  workgroupBarrier();
  if (lane == 0u) {
    let ch = k * CPW + mm * BPB + ${j}u;
    ${eachV(
      (v) => `var sum${v} = mins${v};
    for (var ln = 0u; ln < ${LQ}u; ln++) { sum${v} += bitcast<vec4<f32>>(scratch[(ln * KMI + km) * QV + ${v}u]); }
    OACC[(o * D + ch) * QV + ${v}u] = sum${v};`,
    )}
  }`,
  )}
  if (tid == 0u) {
    ${eachV((v) => `OML[(o * 2u) * QV + ${v}u] = m${v}; OML[(o * 2u + 1u) * QV + ${v}u] = lsum${v};`)}
  }
}
`
}
