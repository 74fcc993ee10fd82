import type { PageLayout } from './layout.js'

/**
 * Invocations that share one key group's int8 query: one per int8 query word, `headDim / 4` (each word
 * holds 4 channels, one per byte, in the byte order of the key codes).
 *
 * @example
 * int8QueryLanes(pageLayout('q4', 128, 128, 128, 'int8')) // 32
 */
export function int8QueryLanes(layout: PageLayout): number {
  return layout.headDim / 4
}

/** vec4s of one key group's int8 query in workgroup memory: the words `[lanes][qv]`, then `α`, then the bias. */
export function int8QueryBlock(layout: PageLayout, qv: number): number {
  return int8QueryLanes(layout) * qv + 2 * qv
}

/** What the int8 query step needs to know. */
export interface Int8QueryConstants {
  readonly layout: PageLayout
  readonly qv: number
  /** Invocations per workgroup. */
  readonly workgroup: number
  /** Key groups whose int8 query one step computes: pages per step × key groups per page. */
  readonly groups: number
  /** Whether the reductions over a key group's lanes run on subgroup shuffles (one subgroup holds them). */
  readonly shuffles: boolean
}

/** WGSL declarations of the int8 query step: `qks` (and `red`, without shuffles). */
export function int8QueryDeclarations(c: Int8QueryConstants): string {
  const lines = [`var<workgroup> qks: array<vec4<u32>, ${c.groups * int8QueryBlock(c.layout, c.qv)}>;`]
  if (!c.shuffles) lines.push(`var<workgroup> red: array<vec4<f32>, ${c.workgroup * 2 * c.qv}>;`)
  return lines.join('\n')
}

/**
 * Bytes of workgroup memory of {@link int8QueryDeclarations}.
 *
 * @example
 * int8QuerySharedBytes({ layout, qv: 1, workgroup: 128, groups: 4, shuffles: true }) // 2,176
 */
export function int8QuerySharedBytes(c: Int8QueryConstants): number {
  return 16 * (c.groups * int8QueryBlock(c.layout, c.qv) + (c.shuffles ? 0 : c.workgroup * 2 * c.qv))
}

/**
 * WGSL statements (once per workgroup) that load this invocation's 4 query channels, times the softmax
 * scale, 4 query heads to a vec4: `qc{m}_{v}`. Needs `b`, `h`, `qpk`, `tid` in scope.
 */
export function int8QueryChannels(c: Int8QueryConstants): string {
  const { perWord: CPW } = c.layout
  const BPB = CPW / 4
  const LN = int8QueryLanes(c.layout)
  const out = [`let qlane = tid % ${LN}u;`]
  for (let m = 0; m < 4; m++) {
    out.push(`let qch${m} = (qlane / ${BPB}u) * ${CPW}u + ${m * BPB}u + qlane % ${BPB}u;`)
    for (let v = 0; v < c.qv; v++) {
      out.push(
        `var qc${m}_${v} = vec4<f32>(0.0); for (var e = 0u; e < 4u; e++) { let hj = ${v * 4}u + e; if (hj < qpk) { qc${m}_${v}[e] = Q[(b * U.qHeads + h * qpk + hj) * ${c.layout.headDim}u + qch${m}] * U.scale; } }`,
      )
    }
  }
  return out.join('\n  ')
}

/** Rounds of the int8 query step: key groups × lanes over the workgroup. */
function rounds(c: Int8QueryConstants): number {
  return (c.groups * int8QueryLanes(c.layout)) / c.workgroup
}

/**
 * WGSL declaring the registers that hold the key scales and mins of one step's int8 query
 * (`qks{round}_{m}`, `qkm{round}_{m}`), to be filled ahead by {@link int8QueryLoads}.
 */
export function int8QueryRegisters(c: Int8QueryConstants): string {
  const out: string[] = []
  for (let n = 0; n < rounds(c); n++) {
    for (let m = 0; m < 4; m++) out.push(`var qks${n}_${m} = 0.0; var qkm${n}_${m} = 0.0;`)
  }
  return out.join(' ')
}

/**
 * WGSL statements loading the key scales and mins of a step's key groups into the registers of
 * {@link int8QueryRegisters}: the page base of key group `g` is `pb[pbFirst + g / groupsPerPage]`.
 * Issued a step ahead, their memory latency hides behind the value pass.
 */
export function int8QueryLoads(c: Int8QueryConstants, pbFirst: string): string {
  const L = c.layout
  const LN = int8QueryLanes(L)
  const GP = L.pageTokens / L.groupSize
  const out: string[] = []
  for (let n = 0; n < rounds(c); n++) {
    out.push(`{ let kgs = (tid + ${n * c.workgroup}u) / ${LN}u;`)
    out.push(`let qbase = pb[${pbFirst} + kgs / ${GP}u] + ${L.keyScales}u + (kgs % ${GP}u) * ${L.headDim}u;`)
    for (let m = 0; m < 4; m++) {
      out.push(
        `qks${n}_${m} = bitcast<f32>(PG[qbase + qch${m}]); qkm${n}_${m} = bitcast<f32>(PG[qbase + ${L.keyMins - L.keyScales}u + qch${m}]);`,
      )
    }
    out.push('}')
  }
  return out.join('\n    ')
}

/**
 * WGSL statements of one step's int8 query, from the key scales and mins in registers
 * ({@link int8QueryLoads}): for each of the step's key groups, `q·keyScale` rounded to int8 with one step `α = max|q·keyScale| / 127`
 * per query head and the bias `Σ q·keyMin`, written to `qks`. The `headDim / 4` invocations of a key
 * group each take one word (4 channels, `qc*` from {@link int8QueryChannels}) and reduce over shuffles or
 * a workgroup tree. Follow it with a workgroup barrier before reading `qks`.
 */
export function int8QueryStep(c: Int8QueryConstants): string {
  const L = c.layout
  const QV = c.qv
  const LN = int8QueryLanes(L)
  const GB = int8QueryBlock(L, QV)
  const each = (n: number, f: (i: number) => string, sep = '\n    ') =>
    Array.from({ length: n }, (_, i) => f(i)).join(sep)
  const eachV = (f: (v: number) => string) => each(QV, f, ' ')
  const lanes = ['x', 'y', 'z', 'w']
  const reduce = (): string => {
    if (c.shuffles) {
      return each(Math.log2(LN), (i) =>
        eachV(
          (v) =>
            `amax${v} = max(amax${v}, subgroupShuffleXor(amax${v}, ${1 << i}u)); bsum${v} += subgroupShuffleXor(bsum${v}, ${1 << i}u);`,
        ),
      )
    }
    return `workgroupBarrier();
      ${eachV((v) => `red[tid * ${2 * QV}u + ${v}u] = amax${v}; red[tid * ${2 * QV}u + ${QV + v}u] = bsum${v};`)}
      workgroupBarrier();
      for (var st = ${LN / 2}u; st > 0u; st >>= 1u) {
        if (qlane < st) {
          for (var i = 0u; i < ${QV}u; i++) {
            let a = tid * ${2 * QV}u + i; let o = (tid + st) * ${2 * QV}u + i;
            red[a] = max(red[a], red[o]); red[a + ${QV}u] += red[o + ${QV}u];
          }
        }
        workgroupBarrier();
      }
      ${eachV((v) => `amax${v} = red[(tid - qlane) * ${2 * QV}u + ${v}u]; bsum${v} = red[(tid - qlane) * ${2 * QV}u + ${QV + v}u];`)}`
  }
  return each(
    rounds(c),
    (n) => `{
      let kgs = (tid + ${n * c.workgroup}u) / ${LN}u;
      ${each(4, (m) => `let ks${m} = qks${n}_${m}; let km${m} = qkm${n}_${m};`, ' ')}
      ${eachV((v) => `var amax${v} = max(max(abs(qc0_${v} * ks0), abs(qc1_${v} * ks1)), max(abs(qc2_${v} * ks2), abs(qc3_${v} * ks3)));`)}
      ${eachV((v) => `var bsum${v} = qc0_${v} * km0 + qc1_${v} * km1 + qc2_${v} * km2 + qc3_${v} * km3;`)}
      ${reduce()}
      let qout = kgs * ${GB}u;
      ${eachV(
        (v) => `{ let alpha = select(amax${v} / 127.0, vec4<f32>(1.0), amax${v} == vec4<f32>(0.0));
      ${each(4, (m) => `let i${m} = vec4<i32>(clamp(round(qc${m}_${v} * ks${m} / alpha), vec4<f32>(-127.0), vec4<f32>(127.0)));`, ' ')}
      qks[qout + qlane * ${QV}u + ${v}u] = vec4<u32>(${lanes.map((x) => `pack4xI8(vec4<i32>(i0.${x}, i1.${x}, i2.${x}, i3.${x}))`).join(', ')});
      if (qlane == 0u) { qks[qout + ${LN * QV + v}u] = bitcast<vec4<u32>>(alpha); qks[qout + ${LN * QV + QV + v}u] = bitcast<vec4<u32>>(bsum${v}); } }`,
      )}
    }`,
  )
}
