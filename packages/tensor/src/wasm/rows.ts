import { gemv } from '../ops/gemv.js'
import { decodeBase64 } from './arena.js'
import { ROWS_WASM_BASE64 } from './rows.generated.js'

interface RowKernels {
  readonly memory: { readonly buffer: ArrayBuffer; grow(pages: number): number }
  dotRows(rows: number, count: number, headDim: number, query: number, out: number): void
  accumulateRows(rows: number, count: number, headDim: number, weights: number, acc: number): void
}

const PAGE_BYTES = 65536
let kernels: RowKernels | null | undefined

function rowKernels(): RowKernels | null {
  if (kernels !== undefined) return kernels
  kernels = null
  const api = (
    globalThis as {
      WebAssembly?: {
        validate(b: Uint8Array): boolean
        Module: new (b: Uint8Array) => object
        Instance: new (m: object, i: object) => { exports: unknown }
      }
    }
  ).WebAssembly
  if (api === undefined) return kernels
  const bytes = decodeBase64(ROWS_WASM_BASE64)
  try {
    if (api.validate(bytes)) kernels = new api.Instance(new api.Module(bytes), {}).exports as RowKernels
  } catch {
    kernels = null
  }
  return kernels
}

/** Float32 and float64 views of the module's memory with at least `bytes` bytes (grown when needed). */
function views(k: RowKernels, bytes: number): { f32: Float32Array; f64: Float64Array } {
  const short = bytes - k.memory.buffer.byteLength
  if (short > 0) k.memory.grow(Math.ceil(short / PAGE_BYTES))
  return { f32: new Float32Array(k.memory.buffer), f64: new Float64Array(k.memory.buffer) }
}

function checkRows(
  where: string,
  rows: Float32Array,
  rowsOffset: number,
  count: number,
  headDim: number,
): void {
  if (!Number.isInteger(count) || count < 0 || !Number.isInteger(headDim) || headDim < 1) {
    throw new RangeError(
      `${where}: count ${count} and headDim ${headDim} must be integers (count ≥ 0, headDim ≥ 1)`,
    )
  }
  if (rowsOffset < 0 || rowsOffset + count * headDim > rows.length) {
    throw new RangeError(
      `${where}: ${count} rows of ${headDim} from ${rowsOffset} overrun rows of ${rows.length}`,
    )
  }
}

/**
 * Scores of `count` rows against `queryCount` queries (`queries` is `[queryCount, headDim]`):
 * `out[outOffsets[g] + t] = queries[g] · rows[t]`. The rows are read once for all queries; with WebAssembly
 * SIMD the sums are float32 in four lanes (relative error about 1e-7·√headDim), otherwise float64.
 *
 * @example
 * const out = new Float32Array(2)
 * dotRowsMany(Float32Array.of(1, 0), 1, Float32Array.of(3, 4, 5, 6), 0, 2, 2, out, [0]) // out = [3, 5]
 */
export function dotRowsMany(
  queries: Float32Array,
  queryCount: number,
  rows: Float32Array,
  rowsOffset: number,
  count: number,
  headDim: number,
  out: Float32Array,
  outOffsets: ArrayLike<number>,
): void {
  checkRows('dotRowsMany', rows, rowsOffset, count, headDim)
  if (count === 0) return
  const k = headDim % 8 === 0 ? rowKernels() : null
  if (k === null) {
    for (let g = 0; g < queryCount; g++)
      dotRowsJs(queries, g * headDim, rows, rowsOffset, count, headDim, out, outOffsets[g]!)
    return
  }
  const rowBytes = count * headDim * 4
  const queryAt = rowBytes
  const outAt = queryAt + queryCount * headDim * 4
  const { f32 } = views(k, outAt + queryCount * count * 4)
  f32.set(rows.subarray(rowsOffset, rowsOffset + count * headDim), 0)
  f32.set(queries.subarray(0, queryCount * headDim), queryAt >> 2)
  for (let g = 0; g < queryCount; g++) {
    k.dotRows(0, count, headDim, queryAt + g * headDim * 4, outAt + g * count * 4)
  }
  for (let g = 0; g < queryCount; g++) {
    const from = (outAt >> 2) + g * count
    out.set(f32.subarray(from, from + count), outOffsets[g]!)
  }
}

/** The JS fallback: one gemv of the rows by the query (float64 sums). */
function dotRowsJs(
  query: Float32Array,
  queryOffset: number,
  rows: Float32Array,
  rowsOffset: number,
  count: number,
  headDim: number,
  out: Float32Array,
  outOffset: number,
): void {
  gemv(
    rows.subarray(rowsOffset, rowsOffset + count * headDim),
    query.subarray(queryOffset, queryOffset + headDim),
    out.subarray(outOffset, outOffset + count),
    count,
    headDim,
  )
}

/**
 * Weighted sums of `count` rows for `groupCount` weight vectors:
 * `acc[accOffsets[g] + d] += Σ_t weights[weightOffsets[g] + t] · rows[t, d]`, in float64, token after
 * token. WebAssembly SIMD and the JS fallback make the same additions in the same order, and the result does
 * not depend on how the rows are split into calls: bit for bit.
 *
 * @example
 * const acc = new Float64Array(2)
 * accumulateRowsMany(Float32Array.of(1, 2, 3, 4), 0, 2, 2, Float32Array.of(0.5, 0.5), [0], acc, [0], 1) // acc = [2, 3]
 */
export function accumulateRowsMany(
  rows: Float32Array,
  rowsOffset: number,
  count: number,
  headDim: number,
  weights: Float32Array,
  weightOffsets: ArrayLike<number>,
  acc: Float64Array,
  accOffsets: ArrayLike<number>,
  groupCount: number,
): void {
  checkRows('accumulateRowsMany', rows, rowsOffset, count, headDim)
  if (count === 0) return
  const k = headDim % 8 === 0 ? rowKernels() : null
  if (k === null) {
    for (let g = 0; g < groupCount; g++) {
      accumulateRowsJs(rows, rowsOffset, weights, weightOffsets[g]!, count, headDim, acc, accOffsets[g]!)
    }
    return
  }
  const rowBytes = count * headDim * 4
  const weightAt = rowBytes
  const accAt = Math.ceil((weightAt + groupCount * count * 4) / 8) * 8
  const { f32, f64 } = views(k, accAt + groupCount * headDim * 8)
  f32.set(rows.subarray(rowsOffset, rowsOffset + count * headDim), 0)
  for (let g = 0; g < groupCount; g++) {
    f32.set(weights.subarray(weightOffsets[g]!, weightOffsets[g]! + count), (weightAt >> 2) + g * count)
    f64.set(acc.subarray(accOffsets[g]!, accOffsets[g]! + headDim), (accAt >> 3) + g * headDim)
    k.accumulateRows(0, count, headDim, weightAt + g * count * 4, accAt + g * headDim * 8)
    const from = (accAt >> 3) + g * headDim
    acc.set(f64.subarray(from, from + headDim), accOffsets[g]!)
  }
}

function accumulateRowsJs(
  rows: Float32Array,
  rowsOffset: number,
  weights: Float32Array,
  weightOffset: number,
  count: number,
  headDim: number,
  acc: Float64Array,
  accOffset: number,
): void {
  for (let d = 0; d < headDim; d++) {
    let a = acc[accOffset + d]!
    for (let t = 0; t < count; t++) a += weights[weightOffset + t]! * rows[rowsOffset + t * headDim + d]!
    acc[accOffset + d] = a
  }
}
