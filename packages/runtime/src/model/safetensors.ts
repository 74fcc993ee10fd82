import { bf16ArrayToF32, f16ArrayToF32 } from '@kv/tensor'
import { CheckpointError } from './checkpoint-error.js'
import { parseSafetensorsHeader, readHeaderLength, type TensorEntry } from './safetensors-header.js'

/** One tensor of a checkpoint, converted to float32. */
export interface LoadedTensor {
  readonly shape: readonly number[]
  readonly data: Float32Array
  /** The file the tensor was read from, for messages. */
  readonly file?: string
}

/** The position of flat element `index` in a tensor of `shape`, as `[i, j, …]`. */
function positionOf(index: number, shape: readonly number[]): number[] {
  const position = new Array<number>(shape.length).fill(0)
  let rest = index
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    const extent = shape[axis]!
    position[axis] = rest % extent
    rest = Math.floor(rest / extent)
  }
  return position
}

/** Throws a `CheckpointError` naming the tensor and its first NaN or infinite element. */
export function checkFinite(data: Float32Array, name: string, shape: readonly number[], file: string): void {
  for (let i = 0; i < data.length; i++) {
    const x = data[i]!
    if (x - x === 0) continue // false exactly for NaN and ±Infinity
    throw new CheckpointError(
      file,
      name,
      `tensor "${name}" has ${x} at element ${i} (index [${positionOf(i, shape)}] of shape [${shape}])`,
    )
  }
}

/**
 * The float32 values of a tensor from its stored bytes, checked finite. `owned` says the bytes are a
 * fresh buffer the result may share; otherwise they are copied.
 */
export function decodeTensor(
  entry: TensorEntry,
  bytes: Uint8Array,
  file: string,
  owned = false,
): Float32Array {
  const aligned = bytes.byteOffset % 4 === 0 ? bytes : new Uint8Array(bytes)
  const fresh = owned || aligned !== bytes
  let data: Float32Array
  switch (entry.dtype) {
    case 'F32': {
      const view = new Float32Array(aligned.buffer, aligned.byteOffset, aligned.byteLength / 4)
      data = fresh ? view : view.slice()
      break
    }
    case 'F16':
      data = f16ArrayToF32(new Uint16Array(aligned.buffer, aligned.byteOffset, aligned.byteLength / 2))
      break
    case 'BF16':
      data = bf16ArrayToF32(new Uint16Array(aligned.buffer, aligned.byteOffset, aligned.byteLength / 2))
      break
  }
  checkFinite(data, entry.name, entry.shape, file)
  return data
}

/**
 * Parses one `.safetensors` buffer into float32 tensors. The header is checked against the buffer
 * (length bounded, JSON object, known dtypes, byte ranges in range, non-overlapping and matching shape ×
 * dtype size) and every weight is checked finite; any fault is a `CheckpointError` naming `file`.
 *
 * @example
 * const tensors = parseSafetensors(new Uint8Array(await (await fetch(url)).arrayBuffer()), 'model.safetensors')
 * tensors.get('model.norm.weight')?.shape // [256]
 */
export function parseSafetensors(buffer: Uint8Array, file = 'model.safetensors'): Map<string, LoadedTensor> {
  const headerLength = readHeaderLength(buffer.subarray(0, 8), buffer.byteLength, file)
  const dataStart = 8 + headerLength
  const entries = parseSafetensorsHeader(buffer.subarray(8, dataStart), buffer.byteLength - dataStart, file)
  const tensors = new Map<string, LoadedTensor>()
  for (const entry of entries) {
    const bytes = buffer.subarray(dataStart + entry.begin, dataStart + entry.end)
    tensors.set(entry.name, { shape: entry.shape, data: decodeTensor(entry, bytes, file), file })
  }
  return tensors
}
