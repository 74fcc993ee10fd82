import { bf16ArrayToF32, f16ArrayToF32 } from '@kv/tensor'

/** One tensor of a checkpoint, converted to float32. */
export interface LoadedTensor {
  readonly shape: readonly number[]
  readonly data: Float32Array
}

interface HeaderEntry {
  dtype: string
  shape: number[]
  data_offsets: [number, number]
}

const BYTES: Record<string, number> = { F32: 4, F16: 2, BF16: 2 }

function toF32(dtype: string, bytes: Uint8Array, name: string, file: string): Float32Array {
  // A copy when unaligned (a Node Buffer's slice() would share the unaligned memory).
  const aligned = bytes.byteOffset % 4 === 0 ? bytes : new Uint8Array(bytes)
  switch (dtype) {
    case 'F32':
      return new Float32Array(aligned.buffer, aligned.byteOffset, aligned.byteLength / 4).slice()
    case 'F16':
      return f16ArrayToF32(new Uint16Array(aligned.buffer, aligned.byteOffset, aligned.byteLength / 2))
    case 'BF16':
      return bf16ArrayToF32(new Uint16Array(aligned.buffer, aligned.byteOffset, aligned.byteLength / 2))
    default:
      throw new TypeError(`${file}: tensor "${name}" has dtype ${dtype}; supported: F32, F16, BF16`)
  }
}

/** Parses one `.safetensors` buffer into float32 tensors, checking every header entry against the file. */
export function parseSafetensors(buffer: Uint8Array, file = 'model.safetensors'): Map<string, LoadedTensor> {
  if (buffer.byteLength < 8)
    throw new RangeError(`${file}: ${buffer.byteLength} bytes is too short for a header`)
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength)
  const headerLength = Number(view.getBigUint64(0, true))
  if (headerLength > buffer.byteLength - 8) {
    throw new RangeError(
      `${file}: header length ${headerLength} overruns the file of ${buffer.byteLength} bytes`,
    )
  }
  const header = JSON.parse(new TextDecoder().decode(buffer.subarray(8, 8 + headerLength))) as Record<
    string,
    unknown
  >
  const dataStart = 8 + headerLength
  const tensors = new Map<string, LoadedTensor>()
  for (const [name, value] of Object.entries(header)) {
    if (name === '__metadata__') continue
    const entry = value as HeaderEntry
    const elementBytes = BYTES[entry.dtype]
    if (elementBytes === undefined) {
      throw new TypeError(`${file}: tensor "${name}" has dtype ${entry.dtype}; supported: F32, F16, BF16`)
    }
    const [begin, end] = entry.data_offsets
    const elements = entry.shape.reduce((a, b) => a * b, 1)
    if (end - begin !== elements * elementBytes || dataStart + end > buffer.byteLength) {
      throw new RangeError(
        `${file}: tensor "${name}" of shape [${entry.shape}] ${entry.dtype} does not match its byte range [${begin}, ${end})`,
      )
    }
    const bytes = buffer.subarray(dataStart + begin, dataStart + end)
    tensors.set(name, { shape: entry.shape, data: toF32(entry.dtype, bytes, name, file) })
  }
  return tensors
}
