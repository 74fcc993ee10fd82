import type { Tensor } from '@kv/tensor'

/** A `[tokens, headDim]` block as contiguous row-major floats. */
export interface BlockInput {
  readonly data: Float32Array
  readonly tokens: number
  readonly headDim: number
}

/**
 * The floats of a `[tokens, headDim]` f32 tensor, contiguous (copied only when the tensor is a strided
 * view), after checking that every value is finite: a NaN or ±Infinity throws a RangeError naming its
 * index, before anything is stored.
 */
export function blockInput(where: string, block: Tensor<'f32'>): BlockInput {
  if (block.dtype !== 'f32') throw new TypeError(`${where}: block must be f32, got ${block.dtype}`)
  if (block.shape.length !== 2) {
    throw new RangeError(`${where}: block must be [tokens, headDim], got shape [${block.shape}]`)
  }
  const tokens = block.shape[0]!
  const headDim = block.shape[1]!
  const size = tokens * headDim
  const dense = block.isContiguous ? block : block.contiguous()
  const data = dense.data.subarray(dense.offset, dense.offset + size)
  checkFinite(where, data, headDim)
  return { data, tokens, headDim }
}

/** Throws a RangeError naming the first NaN or ±Infinity of a `[rows, cols]` block. */
export function checkFinite(where: string, data: Float32Array, cols: number): void {
  let poison = 0
  for (let i = 0; i < data.length; i++) poison += data[i]! * 0
  if (poison === 0) return
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i]!)) {
      const at = cols > 0 ? ` (token ${Math.floor(i / cols)}, channel ${i % cols})` : ''
      throw new RangeError(`${where}: block[${i}]${at} is ${data[i]}; nothing was stored`)
    }
  }
}

/** Throws unless `value` is one of `allowed`. */
export function checkOneOf(where: string, name: string, value: unknown, allowed: readonly unknown[]): void {
  if (!allowed.includes(value)) {
    throw new RangeError(`${where}: ${name} must be one of ${allowed.join(', ')}, got ${String(value)}`)
  }
}

/** Throws unless `value` is an integer in `[min, max]`. */
export function checkInteger(where: string, name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.POSITIVE_INFINITY ? `≥ ${min}` : `in [${min}, ${max}]`
    throw new RangeError(`${where}: ${name} must be an integer ${range}, got ${value}`)
  }
}

/** Throws unless `keep` is ascending and within `[0, tokens)`. */
export function checkKeep(where: string, keep: Int32Array, tokens: number): void {
  for (let i = 0; i < keep.length; i++) {
    const r = keep[i]!
    if (r < 0 || r >= tokens || (i > 0 && r <= keep[i - 1]!)) {
      throw new RangeError(`${where}: keep[${i}] = ${r} is not ascending within [0, ${tokens})`)
    }
  }
}

/** Throws unless a query/weights/out range fits. */
export function checkSpan(where: string, name: string, length: number, offset: number, count: number): void {
  if (!Number.isInteger(offset) || offset < 0 || offset + count > length) {
    throw new RangeError(`${where}: ${name} offset ${offset} + ${count} rows overruns its length ${length}`)
  }
}
