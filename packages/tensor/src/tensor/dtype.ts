/**
 * Element types. `f16` and `bf16` are stored as their 16-bit patterns in a `Uint16Array`;
 * `u1` … `p8` are unsigned codes packed into 32-bit words (`Uint32Array`): `floor(32 / bits)` codes per
 * word, code i of a word in bits `[i·bits, (i+1)·bits)` counted from the least significant bit, so that no
 * code straddles two words (3-bit codes: 10 per word, 2 bits unused). The CPU and WGSL kernels share it.
 */
export type DType = 'f32' | 'f16' | 'bf16' | 'i8' | 'u8' | PackedDType

/** Unsigned codes of 1 to 8 bits packed into 32-bit words. */
export type PackedDType = 'u1' | 'u2' | 'u3' | 'u4' | 'u5' | 'u6' | 'u7' | 'p8'

/** The typed array that stores a dtype. */
export type StorageFor<D extends DType> = D extends 'f32'
  ? Float32Array
  : D extends 'f16' | 'bf16'
    ? Uint16Array
    : D extends 'i8'
      ? Int8Array
      : D extends 'u8'
        ? Uint8Array
        : Uint32Array

const PACKED: Record<PackedDType, number> = { u1: 1, u2: 2, u3: 3, u4: 4, u5: 5, u6: 6, u7: 7, p8: 8 }

/** True for the packed 1–8-bit dtypes. */
export function isPackedDType(dtype: DType): dtype is PackedDType {
  return dtype in PACKED
}

/** Bits per element of a packed dtype. */
export function packedBits(dtype: PackedDType): number {
  return PACKED[dtype]
}

/** The packed dtype of `bits` bits per code (1–8). */
export function packedDType(bits: number): PackedDType {
  if (!Number.isInteger(bits) || bits < 1 || bits > 8) {
    throw new RangeError(`packedDType: bits must be an integer in 1..8, got ${bits}`)
  }
  return (bits === 8 ? 'p8' : `u${bits}`) as PackedDType
}

/** Codes of `bits` bits held by one 32-bit word. */
export function codesPerWord(bits: number): number {
  return Math.floor(32 / bits)
}

/** 32-bit words that hold `count` packed codes of `bits` bits. */
export function packedWords(count: number, bits: number): number {
  return Math.ceil(count / codesPerWord(bits))
}

/** Bytes per element of an unpacked dtype. */
export function bytesPerElement(dtype: Exclude<DType, PackedDType>): number {
  switch (dtype) {
    case 'f32':
      return 4
    case 'f16':
    case 'bf16':
      return 2
    case 'i8':
    case 'u8':
      return 1
  }
}

/** A zeroed typed array holding `size` elements of `dtype`. */
export function storageFor<D extends DType>(dtype: D, size: number): StorageFor<D> {
  // Codes never straddle words, so 3-, 5-, 6- and 7-bit codes need more words than size·bits/32.
  if (isPackedDType(dtype)) return new Uint32Array(packedWords(size, packedBits(dtype))) as StorageFor<D>
  switch (dtype) {
    case 'f32':
      return new Float32Array(size) as StorageFor<D>
    case 'f16':
    case 'bf16':
      return new Uint16Array(size) as StorageFor<D>
    case 'i8':
      return new Int8Array(size) as StorageFor<D>
    default:
      return new Uint8Array(size) as StorageFor<D>
  }
}
