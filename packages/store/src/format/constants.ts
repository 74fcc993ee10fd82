/** The first 8 bytes of every stored state: "KVSTATE" and a byte that stops text tools (0x1a, as PNG). */
export const MAGIC = new Uint8Array([0x4b, 0x56, 0x53, 0x54, 0x41, 0x54, 0x45, 0x1a])

/** The format version this code writes; it reads this version and refuses newer ones. */
export const FORMAT_VERSION = 1

/** Section kinds: one byte at the start of each section's frame. */
export const SECTION = {
  header: 1,
  graph: 2,
  data: 3,
  end: 4,
} as const

export const SECTION_NAMES: Readonly<Record<number, string>> = {
  1: 'header',
  2: 'graph',
  3: 'data',
  4: 'end',
}

/** A section's frame: kind (u8), payload length (u32 LE), payload, CRC-32 of kind + length + payload. */
export const FRAME_HEAD_BYTES = 5
export const FRAME_CRC_BYTES = 4

/** Records of a graph section; each defines the next node id. */
export const RECORD = {
  buffer: 1,
  view: 2,
  array: 3,
  object: 4,
  /** A small buffer with its bytes inside the record (no data section of its own). */
  inlineBuffer: 5,
  /**
   * A buffer the reader already holds (`ReadOptions.base`, by index): a prefix chunk refers to the blocks
   * of the chunks before it instead of storing them again.
   */
  baseBuffer: 6,
  /**
   * A buffer that starts with the bytes of a base buffer (by index) and goes on with the bytes of the data
   * sections that follow (its tail length): rows appended since the chunk before.
   */
  extendedBuffer: 7,
} as const

/** Buffers up to this many bytes are written inline in graph sections. */
export const INLINE_BUFFER_BYTES = 64 * 1024

/** Inline values inside array and object records. */
export const VALUE = {
  undefined: 0,
  null: 1,
  false: 2,
  true: 3,
  int32: 4,
  float64: 5,
  string: 6,
  ref: 7,
} as const

type TypedArrayConstructor =
  | Int8ArrayConstructor
  | Uint8ArrayConstructor
  | Uint8ClampedArrayConstructor
  | Int16ArrayConstructor
  | Uint16ArrayConstructor
  | Int32ArrayConstructor
  | Uint32ArrayConstructor
  | Float32ArrayConstructor
  | Float64ArrayConstructor
  | BigInt64ArrayConstructor
  | BigUint64ArrayConstructor

/** Every typed array a state may hold, by its code in the file (the code never changes meaning). */
export const DTYPES: readonly TypedArrayConstructor[] = [
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
]

/** A typed array of any element type (DataView is not one). */
export type AnyTypedArray = InstanceType<TypedArrayConstructor>

/** The dtype code of a typed array, or -1 when it is not one of `DTYPES`. */
export function dtypeCode(value: object): number {
  for (let code = 0; code < DTYPES.length; code++) {
    if (Object.getPrototypeOf(value) === (DTYPES[code] as TypedArrayConstructor).prototype) return code
  }
  return -1
}

/** Typed array bytes are stored little-endian; a big-endian platform is refused rather than misread. */
export const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1
