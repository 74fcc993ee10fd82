import { pathToFileURL } from 'node:url'
import type { QuantAxis, QuantizedBlock } from '../src/index.js'
import { dequantizeAccumulate, dequantizeDot, quantizeAffine } from '../src/index.js'
import { accumulateColumn2, accumulateRow2 } from '../src/quant/fused-accumulate-2bit.js'
import { accumulateColumn4, accumulateRow4 } from '../src/quant/fused-accumulate-4bit.js'
import { dotColumn2, dotRow2 } from '../src/quant/fused-dot-2bit.js'
import { dotColumn4, dotRow4 } from '../src/quant/fused-dot-4bit.js'
import { fusedKernel } from '../src/quant/fused-wasm.js'

/** One line of a benchmark table; `ratio` compares `value` with a baseline timed in the same run. */
export type BenchRow = { name: string; value: number; unit: string; ratio?: number; note?: string }

const HEAD_DIM = 64
const GROUP = 32
/** Interleaved rounds: every case runs once per round, so load on the shared machine hits all alike. */
const ROUNDS = 21
/** CPU milliseconds per sample. */
const SAMPLE_MS = 3

/** Milliseconds of CPU time this process has used (time other jobs take on a shared machine is not counted). */
function cpuMs(): number {
  const { user, system } = process.cpuUsage()
  return (user + system) / 1000
}

/** Deterministic values in (-1, 1) (a 32-bit xorshift), so the benchmark does not depend on other modules. */
function pseudoRandom(length: number, seed: number): Float32Array {
  const data = new Float32Array(length)
  let state = seed | 0 || 1
  for (let i = 0; i < length; i++) {
    state ^= state << 13
    state ^= state >>> 17
    state ^= state << 5
    data[i] = state / 0x80000000
  }
  return data
}

/** The runtime's float32 score loop (packages/runtime/src/cache/attention.ts `dotRows`), copied verbatim. */
function dotRows(
  query: Float32Array,
  rows: Float32Array,
  rowsOffset: number,
  count: number,
  headDim: number,
  out: Float32Array,
  outOffset: number,
): void {
  const end4 = headDim & ~3
  for (let t = 0; t < count; t++) {
    const base = rowsOffset + t * headDim
    let s0 = 0
    let s1 = 0
    let s2 = 0
    let s3 = 0
    let d = 0
    for (; d < end4; d += 4) {
      s0 += query[d]! * rows[base + d]!
      s1 += query[d + 1]! * rows[base + d + 1]!
      s2 += query[d + 2]! * rows[base + d + 2]!
      s3 += query[d + 3]! * rows[base + d + 3]!
    }
    for (; d < headDim; d++) s0 += query[d]! * rows[base + d]!
    out[outOffset + t] = s0 + s1 + s2 + s3
  }
}

/** The runtime's float32 value loop (`addWeightedRows`): eight float64 column sums in locals. */
function addWeightedRows(
  rows: Float32Array,
  rowsOffset: number,
  weights: Float32Array,
  weightOffset: number,
  tokens: number,
  headDim: number,
  acc: Float64Array,
  accOffset: number,
): void {
  const end8 = headDim & ~7
  let d = 0
  for (; d < end8; d += 8) {
    const o = accOffset + d
    let a0 = acc[o]!
    let a1 = acc[o + 1]!
    let a2 = acc[o + 2]!
    let a3 = acc[o + 3]!
    let a4 = acc[o + 4]!
    let a5 = acc[o + 5]!
    let a6 = acc[o + 6]!
    let a7 = acc[o + 7]!
    for (let t = 0, base = rowsOffset + d; t < tokens; t++, base += headDim) {
      const w = weights[weightOffset + t]!
      a0 += w * rows[base]!
      a1 += w * rows[base + 1]!
      a2 += w * rows[base + 2]!
      a3 += w * rows[base + 3]!
      a4 += w * rows[base + 4]!
      a5 += w * rows[base + 5]!
      a6 += w * rows[base + 6]!
      a7 += w * rows[base + 7]!
    }
    acc[o] = a0
    acc[o + 1] = a1
    acc[o + 2] = a2
    acc[o + 3] = a3
    acc[o + 4] = a4
    acc[o + 5] = a5
    acc[o + 6] = a6
    acc[o + 7] = a7
  }
  for (; d < headDim; d++) {
    let a = acc[accOffset + d]!
    for (let t = 0; t < tokens; t++) a += weights[weightOffset + t]! * rows[rowsOffset + t * headDim + d]!
    acc[accOffset + d] = a
  }
}

/** A timed case: `run(n)` makes n calls; `baseline` names the float32 case its ratio is taken against. */
interface Case {
  readonly name: string
  readonly note: string
  readonly baseline: string | undefined
  readonly run: (calls: number) => void
  calls: number
  readonly samples: number[]
}

/** Calls per sample so that one sample takes about SAMPLE_MS of CPU time. */
function calibrate(c: Case): void {
  c.run(64)
  let calls = 64
  for (;;) {
    const start = cpuMs()
    c.run(calls)
    const spent = cpuMs() - start
    if (spent >= SAMPLE_MS / 4) {
      c.calls = Math.max(1, Math.round((calls * SAMPLE_MS) / spent))
      return
    }
    calls *= 4
  }
}

function median(values: number[]): number {
  const sorted = values.slice().sort((a, b) => a - b)
  return sorted[sorted.length >> 1]!
}

function blockCases(rows: number): Case[] {
  const data = pseudoRandom(rows * HEAD_DIM, rows)
  const query = pseudoRandom(HEAD_DIM, 5)
  // softmax-like weights: positive, summing to about one
  const weights = pseudoRandom(rows, 9).map((x) => (x + 1.5) / (1.5 * rows))
  const scores = new Float32Array(rows)
  const acc64 = new Float64Array(HEAD_DIM)
  const context = new Float32Array(HEAD_DIM)
  const shape = `${rows}×${HEAD_DIM}`
  const dotBase = `f32 dotRows ${shape}`
  const accBase = `f32 addWeightedRows ${shape}`
  const cases: Case[] = [
    {
      name: dotBase,
      note: 'runtime score loop, 4 accumulators',
      baseline: undefined,
      run: (n) => {
        for (let i = 0; i < n; i++) dotRows(query, data, 0, rows, HEAD_DIM, scores, 0)
      },
      calls: 1,
      samples: [],
    },
    {
      name: accBase,
      note: 'runtime value loop, 8 float64 locals',
      baseline: undefined,
      run: (n) => {
        for (let i = 0; i < n; i++) addWeightedRows(data, 0, weights, 0, rows, HEAD_DIM, acc64, 0)
      },
      calls: 1,
      samples: [],
    },
  ]
  for (const bits of [4, 2]) {
    for (const axis of ['column', 'row'] as QuantAxis[]) {
      const q: QuantizedBlock = quantizeAffine(data, rows, HEAD_DIM, { bits, groupSize: GROUP, axis })
      const backend = fusedKernel() === null ? 'JS (no wasm SIMD)' : 'wasm SIMD'
      const note = `${bits}-bit, groups of ${GROUP} along ${axis}; ${backend}`
      const jsNote = `${bits}-bit, groups of ${GROUP} along ${axis}; JS straight-line fallback`
      const jsDot =
        axis === 'column' ? (bits === 4 ? dotColumn4 : dotColumn2) : bits === 4 ? dotRow4 : dotRow2
      const jsAccumulate =
        axis === 'row'
          ? bits === 4
            ? accumulateRow4
            : accumulateRow2
          : bits === 4
            ? accumulateColumn4
            : accumulateColumn2
      cases.push(
        {
          name: `dequantizeDot ${shape} ${bits}-bit ${axis}`,
          note,
          baseline: dotBase,
          run: (n) => {
            for (let i = 0; i < n; i++) dequantizeDot(q, query, scores, 0)
          },
          calls: 1,
          samples: [],
        },
        {
          name: `dequantizeAccumulate ${shape} ${bits}-bit ${axis}`,
          note,
          baseline: accBase,
          run: (n) => {
            for (let i = 0; i < n; i++) dequantizeAccumulate(q, weights, 0, context)
          },
          calls: 1,
          samples: [],
        },
        {
          name: `js dot ${shape} ${bits}-bit ${axis}`,
          note: jsNote,
          baseline: dotBase,
          run: (n) => {
            for (let i = 0; i < n; i++) jsDot(q, query, scores, 0)
          },
          calls: 1,
          samples: [],
        },
        {
          name: `js accumulate ${shape} ${bits}-bit ${axis}`,
          note: jsNote,
          baseline: accBase,
          run: (n) => {
            for (let i = 0; i < n; i++) jsAccumulate(q, weights, 0, context)
          },
          calls: 1,
          samples: [],
        },
      )
    }
  }
  return cases
}

/**
 * Nanoseconds per call of the fused dequantize-dot and dequantize-accumulate on 32×64 and 64×64 blocks
 * (4-bit and 2-bit, both axes), through the public functions (WebAssembly SIMD where available) and through
 * the JS straight-line kernels they fall back to, each with a ratio against the runtime's float32 loop over
 * the same shape timed in the same run (ratio = float32 ns ÷ fused ns; above 1, the quantized block is the
 * faster one).
 * Cases run interleaved for {@link ROUNDS} rounds and report the median, in CPU time.
 *
 * @example
 * for (const row of await benchFused()) console.log(row.name, row.value.toFixed(0), row.unit, row.ratio)
 */
export async function benchFused(): Promise<BenchRow[]> {
  const cases = [...blockCases(32), ...blockCases(64)]
  for (const c of cases) calibrate(c)
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < cases.length; k++) {
      const c = cases[(k + round) % cases.length]!
      const start = cpuMs()
      c.run(c.calls)
      c.samples.push(((cpuMs() - start) * 1e6) / c.calls)
    }
  }
  const ns = new Map(cases.map((c) => [c.name, median(c.samples)]))
  return cases.map((c) => {
    const value = ns.get(c.name)!
    const row: BenchRow = { name: c.name, value, unit: 'ns/block', note: c.note }
    if (c.baseline !== undefined) row.ratio = ns.get(c.baseline)! / value
    return row
  })
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const row of await benchFused()) {
    const ratio = row.ratio === undefined ? '' : `${row.ratio.toFixed(2)}×`
    console.log(
      `${row.name.padEnd(44)} ${row.value.toFixed(0).padStart(6)} ${row.unit}  ${ratio.padStart(6)}`,
    )
  }
}
