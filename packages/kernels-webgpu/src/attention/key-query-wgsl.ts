import type { PageLayout } from './layout.js'

/**
 * vec4s of one page's block in the key-query buffer that {@link keyQueryWgsl} writes for the `int8`
 * kernel: per key group the int8 query words `[rowWords][codes per byte][qv]`, then `α` and the bias
 * (`qv` each); then the page's largest value scale per value group (`ceil(valueGroups / 4)`).
 *
 * @example
 * keyQueryBlock(pageLayout('q4', 128, 128, 128, 'int8'), 1) // 34
 */
export function keyQueryBlock(layout: PageLayout, qv: number): number {
  return (
    (layout.pageTokens / layout.groupSize) * keyGroupBlock(layout, qv) + Math.ceil(valueGroups(layout) / 4)
  )
}

/** vec4s of one key group in a key-query block: int8 query words, then `α`, then the bias. */
export function keyGroupBlock(layout: PageLayout, qv: number): number {
  return layout.rowWords * (layout.perWord / 4) * qv + 2 * qv
}

function valueGroups(layout: PageLayout): number {
  return layout.headDim / layout.groupSize
}

/** Invocations per workgroup of the key-query pass. */
const WORKGROUP = 128

/**
 * Invocations that share one page in the key-query pass: one per int8 query word, `headDim / 4`. Their
 * reductions run over subgroup shuffles where the subgroup holds them all (`subgroupSize ≥` this).
 *
 * @example
 * keyQueryLanes(pageLayout('q4', 128, 128, 128, 'int8')) // 32
 */
export function keyQueryLanes(layout: PageLayout): number {
  return layout.headDim / 4
}

/**
 * Workgroups of the key-query pass for `pages` pages per (KV head, sequence).
 *
 * @example
 * keyQueryWorkgroups(pageLayout('q4', 128, 128, 128, 'int8'), 256) // 64
 */
export function keyQueryWorkgroups(layout: PageLayout, pages: number): number {
  return Math.ceil((pages * keyQueryLanes(layout)) / WORKGROUP)
}

/**
 * WGSL of the `int8` kernel's first pass, which turns the query into what the attention pass needs for
 * each page, once per page instead of once per reader. One invocation per (page, int8 query word): it
 * takes the 4 channels of the word's bytes (`k·perWord + m·bitsPerByte + j` for byte `m` of word `(k, j)`)
 * and, per key group:
 * - `q·keyScale` rounded to int8 with one step `α = max|q·keyScale| / 127` per query head, packed in the
 *   byte order of the page's key codes, and the bias `Σ q·keyMin`;
 * - then the page's largest value scale per value group (the step of the u8 attention weights is it / 255).
 * The `headDim / 4` invocations of a page reduce with subgroup shuffles (`subgroups`, when one subgroup
 * holds them) or through workgroup memory.
 *
 * @example
 * const code = keyQueryWgsl(pageLayout('q4', 128, 128, 128, 'int8'), 1, true)
 */
export function keyQueryWgsl(layout: PageLayout, qv: number, subgroups: boolean): string {
  const { headDim: D, pageTokens: P, perWord: CPW, groupSize } = layout
  const BPB = CPW / 4
  const GP = P / groupSize
  const VG = valueGroups(layout)
  const QV = qv
  const LN = keyQueryLanes(layout)
  const each = (n: number, f: (i: number) => string, sep = '\n    ') =>
    Array.from({ length: n }, (_, i) => f(i)).join(sep)
  const eachV = (f: (v: number) => string) => each(QV, f, ' ')
  const lanes = ['x', 'y', 'z', 'w']
  /** WGSL reducing `vars` (vec4<f32> variables) over the page's LN invocations with `op`. */
  const reduce = (vars: string[], op: 'max' | 'add'): string => {
    const combine = (a: string, b: string) => (op === 'max' ? `max(${a}, ${b})` : `${a} + ${b}`)
    if (subgroups) {
      return each(Math.log2(LN), (i) =>
        vars.map((x) => `${x} = ${combine(x, `subgroupShuffleXor(${x}, ${1 << i}u)`)};`).join(' '),
      )
    }
    return `workgroupBarrier();
    ${vars.map((x, i) => `red[tid * ${vars.length}u + ${i}u] = ${x};`).join(' ')}
    workgroupBarrier();
    for (var st = LN / 2u; st > 0u; st >>= 1u) {
      if (lane < st) {
        for (var i = 0u; i < ${vars.length}u; i++) {
          red[tid * ${vars.length}u + i] = ${combine(`red[tid * ${vars.length}u + i]`, `red[(tid + st) * ${vars.length}u + i]`)};
        }
      }
      workgroupBarrier();
    }
    ${vars.map((x, i) => `${x} = red[(tid - lane) * ${vars.length}u + ${i}u];`).join(' ')}`
  }
  const redWidth = Math.max(2 * QV, VG)
  return /* wgsl */ `${subgroups ? 'enable subgroups;\n' : ''}
struct Params { batch: u32, kvHeads: u32, maxPages: u32, pagesPerSplit: u32,
                splits: u32, qHeads: u32, logitStride: u32, scale: f32 }
@group(0) @binding(0) var<uniform> U: Params;
@group(0) @binding(1) var<storage, read> Q: array<f32>;
@group(0) @binding(2) var<storage, read> PG: array<u32>;
@group(0) @binding(3) var<storage, read> PT: array<u32>;
@group(0) @binding(4) var<storage, read> LEN: array<u32>;
@group(0) @binding(5) var<storage, read_write> QK: array<vec4<u32>>;
const D: u32 = ${D}u;
const P: u32 = ${P}u;
const CPW: u32 = ${CPW}u;
const BPB: u32 = ${BPB}u;
const QV: u32 = ${QV}u;
const GP: u32 = ${GP}u;
const VG: u32 = ${VG}u;
const LN: u32 = ${LN}u;
const PAGE_WORDS: u32 = ${layout.pageWords}u;
const KS: u32 = ${layout.keyScales}u;
const KM: u32 = ${layout.keyMins}u;
const VS: u32 = ${layout.valueScales}u;
const GB: u32 = ${keyGroupBlock(layout, qv)}u;
const BLOCK: u32 = ${keyQueryBlock(layout, qv)}u;
${subgroups ? '' : `var<workgroup> red: array<vec4<f32>, ${WORKGROUP * redWidth}>;`}

@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(local_invocation_index) tid: u32, @builtin(workgroup_id) wg: vec3<u32>) {
  let h = wg.y; let b = wg.z;
  let lane = tid % LN;
  let page = (wg.x * ${WORKGROUP}u + tid) / LN;
  let qpk = U.qHeads / U.kvHeads;
  let len = LEN[b];
  let valid = page * P < len && page < U.maxPages;
  let tokens = select(0u, min(P, len - page * P), valid);
  let row = (b * U.kvHeads + h) * U.maxPages + min(page, U.maxPages - 1u);
  let base = select(0u, PT[row] * PAGE_WORDS, valid);
  let out = row * BLOCK;
  // the query (times the softmax scale) of this word's 4 channels, 4 heads to a vec4
  let k = lane / BPB; let j = lane % BPB;
  ${each(4, (m) => `let c${m} = k * CPW + ${m}u * BPB + j;`, ' ')}
  ${each(4, (m) =>
    eachV(
      (v) =>
        `var q${m}_${v} = vec4<f32>(0.0); for (var e = 0u; e < 4u; e++) { let hj = ${v * 4}u + e; if (hj < qpk) { q${m}_${v}[e] = Q[(b * U.qHeads + h * qpk + hj) * D + c${m}] * U.scale; } }`,
    ),
  )}
  for (var g = 0u; g < GP; g++) {
    ${each(4, (m) => `let s${m} = bitcast<f32>(PG[base + KS + g * D + c${m}]); let mn${m} = bitcast<f32>(PG[base + KM + g * D + c${m}]);`)}
    ${eachV((v) => `var amax${v} = max(max(abs(q0_${v} * s0), abs(q1_${v} * s1)), max(abs(q2_${v} * s2), abs(q3_${v} * s3)));`)}
    ${eachV((v) => `var bsum${v} = q0_${v} * mn0 + q1_${v} * mn1 + q2_${v} * mn2 + q3_${v} * mn3;`)}
    ${reduce(
      Array.from({ length: QV }, (_, v) => `amax${v}`),
      'max',
    )}
    ${reduce(
      Array.from({ length: QV }, (_, v) => `bsum${v}`),
      'add',
    )}
    let gout = out + g * GB;
    ${eachV(
      (v) => `let alpha${v} = select(amax${v} / 127.0, vec4<f32>(1.0), amax${v} == vec4<f32>(0.0));
    ${each(4, (m) => `let i${m}_${v} = vec4<i32>(clamp(round(q${m}_${v} * s${m} / alpha${v}), vec4<f32>(-127.0), vec4<f32>(127.0)));`)}
    if (valid) {
      QK[gout + lane * QV + ${v}u] = vec4<u32>(${lanes.map((x) => `pack4xI8(vec4<i32>(${[0, 1, 2, 3].map((m) => `i${m}_${v}.${x}`).join(', ')}))`).join(', ')});
      if (lane == 0u) {
        QK[gout + LN * QV + ${v}u] = bitcast<vec4<u32>>(alpha${v});
        QK[gout + LN * QV + QV + ${v}u] = bitcast<vec4<u32>>(bsum${v});
      }
    }`,
    )}
  }
  // the page's largest value scale per value group, over the tokens it holds
  ${each(VG, (g) => `var vmax${g} = vec4<f32>(0.0);`)}
  for (var t = lane; t < tokens; t += LN) {
    ${each(VG, (g) => `vmax${g}.x = max(vmax${g}.x, bitcast<f32>(PG[base + VS + t * VG + ${g}u]));`)}
  }
  ${reduce(
    Array.from({ length: VG }, (_, g) => `vmax${g}`),
    'max',
  )}
  if (valid && lane == 0u) {
    ${each(Math.ceil(VG / 4), (g4) => `QK[out + GP * GB + ${g4}u] = bitcast<vec4<u32>>(vec4<f32>(${each(4, (e) => (g4 * 4 + e < VG ? `vmax${g4 * 4 + e}.x` : '0.0'), ', ')}));`)}
  }
}
`
}
