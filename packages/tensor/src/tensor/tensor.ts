import {
  bytesPerElement,
  type DType,
  isPackedDType,
  packedBits,
  packedWords,
  type StorageFor,
  storageFor,
} from './dtype.js'

/** Row-major strides of a shape, in elements. */
export function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length)
  let stride = 1
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    strides[axis] = stride
    stride *= shape[axis]!
  }
  return strides
}

/** Number of elements of a shape. */
export function sizeOf(shape: readonly number[]): number {
  let size = 1
  for (const extent of shape) size *= extent
  return size
}

function checkShape(shape: readonly number[], where: string): void {
  for (let axis = 0; axis < shape.length; axis++) {
    const extent = shape[axis]!
    if (!Number.isInteger(extent) || extent < 0) {
      throw new RangeError(`${where}: shape[${axis}] must be a non-negative integer, got ${extent}`)
    }
  }
}

/**
 * An n-dimensional view over a typed array: shape, strides and offset in elements, and a dtype.
 * Views (`slice`, `reshape`, `transpose`) share the storage; nothing is copied until `contiguous()`.
 * Packed dtypes (`u1` … `u8` packed into 32-bit words) are stored as `Uint32Array` and are always
 * contiguous; their shape counts logical elements.
 *
 * @example
 * const t = Tensor.zeros('f32', [2, 3])
 * t.set([1, 2], 5)
 * t.transpose().get([2, 1]) // 5
 */
export class Tensor<D extends DType = DType> {
  readonly dtype: D
  readonly data: StorageFor<D>
  readonly shape: readonly number[]
  readonly strides: readonly number[]
  readonly offset: number

  constructor(
    dtype: D,
    data: StorageFor<D>,
    shape: readonly number[],
    strides: readonly number[] = contiguousStrides(shape),
    offset = 0,
  ) {
    checkShape(shape, 'Tensor')
    if (strides.length !== shape.length) {
      throw new RangeError(`Tensor: strides has ${strides.length} axes, shape has ${shape.length}`)
    }
    if (isPackedDType(dtype)) {
      const words = packedWords(sizeOf(shape), packedBits(dtype))
      if (data.length < words) {
        throw new RangeError(
          `Tensor: packed ${dtype} of shape [${shape}] needs ${words} words, got ${data.length}`,
        )
      }
    } else if (sizeOf(shape) > 0) {
      let last = offset
      for (let axis = 0; axis < shape.length; axis++) last += (shape[axis]! - 1) * Math.max(0, strides[axis]!)
      if (offset < 0 || last >= data.length) {
        throw new RangeError(
          `Tensor: view of shape [${shape}] at offset ${offset} overruns storage of ${data.length}`,
        )
      }
    }
    this.dtype = dtype
    this.data = data
    this.shape = Object.freeze([...shape])
    this.strides = Object.freeze([...strides])
    this.offset = offset
  }

  /** A new zero-filled contiguous tensor. */
  static zeros<D extends DType>(dtype: D, shape: readonly number[]): Tensor<D> {
    checkShape(shape, 'Tensor.zeros')
    return new Tensor(dtype, storageFor(dtype, sizeOf(shape)), shape)
  }

  /** A contiguous float32 tensor over `data` (not copied). */
  static fromF32(data: Float32Array, shape: readonly number[]): Tensor<'f32'> {
    checkShape(shape, 'Tensor.fromF32')
    if (sizeOf(shape) !== data.length) {
      throw new RangeError(
        `Tensor.fromF32: shape [${shape}] has ${sizeOf(shape)} elements, data has ${data.length}`,
      )
    }
    return new Tensor('f32', data, shape)
  }

  get rank(): number {
    return this.shape.length
  }

  get size(): number {
    return sizeOf(this.shape)
  }

  /** Bytes of the storage this view spans when contiguous (packed dtypes count their words). */
  get byteLength(): number {
    if (isPackedDType(this.dtype)) return packedWords(this.size, packedBits(this.dtype)) * 4
    return this.size * bytesPerElement(this.dtype)
  }

  get isContiguous(): boolean {
    const expected = contiguousStrides(this.shape)
    for (let axis = 0; axis < this.shape.length; axis++) {
      if (this.shape[axis]! > 1 && this.strides[axis] !== expected[axis]) return false
    }
    return true
  }

  private indexOf(index: readonly number[]): number {
    if (index.length !== this.shape.length) {
      throw new RangeError(`Tensor: index has ${index.length} axes, tensor has ${this.shape.length}`)
    }
    let flat = this.offset
    for (let axis = 0; axis < index.length; axis++) {
      const i = index[axis]!
      if (!Number.isInteger(i) || i < 0 || i >= this.shape[axis]!) {
        throw new RangeError(`Tensor: index[${axis}] = ${i} is outside [0, ${this.shape[axis]})`)
      }
      flat += i * this.strides[axis]!
    }
    return flat
  }

  private assertUnpacked(op: string): void {
    if (isPackedDType(this.dtype))
      throw new TypeError(`Tensor.${op}: not defined on packed dtype ${this.dtype}`)
  }

  /** The raw stored element at `index` (16-bit floats as their bit patterns). */
  get(index: readonly number[]): number {
    this.assertUnpacked('get')
    return this.data[this.indexOf(index)]!
  }

  /** Stores a raw element at `index` (16-bit floats as their bit patterns). */
  set(index: readonly number[], value: number): void {
    this.assertUnpacked('set')
    this.data[this.indexOf(index)] = value
  }

  /** A view of `[start, end)` along `axis`, sharing storage. */
  slice(axis: number, start: number, end: number = this.shape[axis]!): Tensor<D> {
    this.assertUnpacked('slice')
    if (!Number.isInteger(axis) || axis < 0 || axis >= this.rank) {
      throw new RangeError(`Tensor.slice: axis ${axis} is outside [0, ${this.rank})`)
    }
    const extent = this.shape[axis]!
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > extent || start > end) {
      throw new RangeError(
        `Tensor.slice: range [${start}, ${end}) is outside axis ${axis} of extent ${extent}`,
      )
    }
    const shape = [...this.shape]
    shape[axis] = end - start
    return new Tensor(this.dtype, this.data, shape, this.strides, this.offset + start * this.strides[axis]!)
  }

  /** Swaps two axes (default: the last two) without copying. */
  transpose(a: number = this.rank - 2, b: number = this.rank - 1): Tensor<D> {
    this.assertUnpacked('transpose')
    if (a < 0 || b < 0 || a >= this.rank || b >= this.rank) {
      throw new RangeError(`Tensor.transpose: axes (${a}, ${b}) outside a tensor of rank ${this.rank}`)
    }
    const shape = [...this.shape]
    const strides = [...this.strides]
    ;[shape[a], shape[b]] = [shape[b]!, shape[a]!]
    ;[strides[a], strides[b]] = [strides[b]!, strides[a]!]
    return new Tensor(this.dtype, this.data, shape, strides, this.offset)
  }

  /** Same elements, new shape; a view when contiguous, otherwise an error (call `contiguous()` first). */
  reshape(shape: readonly number[]): Tensor<D> {
    checkShape(shape, 'Tensor.reshape')
    if (sizeOf(shape) !== this.size) {
      throw new RangeError(
        `Tensor.reshape: [${this.shape}] has ${this.size} elements, [${shape}] has ${sizeOf(shape)}`,
      )
    }
    if (!this.isContiguous)
      throw new RangeError('Tensor.reshape: view is not contiguous; call contiguous() first')
    return new Tensor(this.dtype, this.data, shape, contiguousStrides(shape), this.offset)
  }

  /** This tensor if already contiguous from offset 0, otherwise a contiguous copy. */
  contiguous(): Tensor<D> {
    if (this.isContiguous && this.offset === 0 && this.data.length === this.size) return this
    if (isPackedDType(this.dtype)) return this
    const out = storageFor(this.dtype, this.size)
    const index = new Array<number>(this.rank).fill(0)
    for (let flat = 0; flat < this.size; flat++) {
      let source = this.offset
      for (let axis = 0; axis < this.rank; axis++) source += index[axis]! * this.strides[axis]!
      out[flat] = this.data[source]!
      for (let axis = this.rank - 1; axis >= 0; axis--) {
        if (++index[axis]! < this.shape[axis]!) break
        index[axis] = 0
      }
    }
    return new Tensor(this.dtype, out, this.shape)
  }
}
