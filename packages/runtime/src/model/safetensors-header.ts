import { CheckpointError, messageOf } from './checkpoint-error.js'

/** The largest header the safetensors format allows (its reference reader refuses larger ones). */
export const MAX_HEADER_BYTES = 100_000_000

/** The dtypes the decoder converts to float32, with their element size in bytes. */
export const SUPPORTED_DTYPES = { F32: 4, F16: 2, BF16: 2 } as const
export type SupportedDtype = keyof typeof SUPPORTED_DTYPES

/** Dtypes of the safetensors format that this loader does not convert (named as such in errors). */
const OTHER_DTYPES = new Set([
  'F64',
  'I64',
  'U64',
  'I32',
  'U32',
  'I16',
  'U16',
  'I8',
  'U8',
  'BOOL',
  'F8_E4M3',
  'F8_E5M2',
  'F8_E8M0',
  'F6_E2M3',
  'F6_E3M2',
  'F4',
  'C64',
])

/** One tensor of a header, checked: its byte range `[begin, end)` is relative to the data section. */
export interface TensorEntry {
  readonly name: string
  readonly dtype: SupportedDtype
  readonly shape: readonly number[]
  readonly begin: number
  readonly end: number
}

/** A checked header: where the data section starts in the file, and the tensors sorted by offset. */
export interface SafetensorsHeader {
  readonly dataStart: number
  readonly tensors: readonly TensorEntry[]
}

/**
 * The header length from the first 8 bytes of a file of `fileBytes` bytes, bounded by the format's
 * limit and by the file, so that a file claiming 2^50 header bytes is refused before anything is read.
 */
export function readHeaderLength(first: Uint8Array, fileBytes: number, file: string): number {
  if (fileBytes < 8 || first.byteLength < 8) {
    throw new CheckpointError(file, 'header length', `${fileBytes} bytes is too short for a header`)
  }
  const length = new DataView(first.buffer, first.byteOffset, 8).getBigUint64(0, true)
  if (length > BigInt(MAX_HEADER_BYTES)) {
    throw new CheckpointError(
      file,
      'header length',
      `header length ${length} exceeds the safetensors limit of ${MAX_HEADER_BYTES} bytes`,
    )
  }
  if (length > BigInt(fileBytes - 8)) {
    throw new CheckpointError(
      file,
      'header length',
      `header length ${length} overruns the file of ${fileBytes} bytes`,
    )
  }
  return Number(length)
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
}

function checkDtype(name: string, dtype: unknown, file: string): SupportedDtype {
  if (typeof dtype === 'string' && Object.hasOwn(SUPPORTED_DTYPES, dtype)) return dtype as SupportedDtype
  const supported = Object.keys(SUPPORTED_DTYPES).join(', ')
  const what =
    typeof dtype === 'string' && OTHER_DTYPES.has(dtype)
      ? `dtype ${dtype}, which is not supported`
      : `unknown dtype ${JSON.stringify(dtype) ?? String(dtype)}`
  throw new CheckpointError(file, name, `tensor "${name}" has ${what}; supported: ${supported}`)
}

function checkShape(name: string, shape: unknown, file: string): { shape: number[]; elements: number } {
  if (!Array.isArray(shape) || !shape.every(isCount)) {
    throw new CheckpointError(
      file,
      name,
      `tensor "${name}": shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`,
    )
  }
  let elements = 1
  for (const extent of shape) elements *= extent
  if (!Number.isSafeInteger(elements)) {
    throw new CheckpointError(file, name, `tensor "${name}": shape [${shape}] has too many elements`)
  }
  return { shape: shape as number[], elements }
}

function checkEntry(name: string, value: unknown, dataBytes: number, file: string): TensorEntry {
  if (!isRecord(value)) {
    throw new CheckpointError(
      file,
      name,
      `tensor "${name}": expected an object, got ${JSON.stringify(value)}`,
    )
  }
  const dtype = checkDtype(name, value.dtype, file)
  const { shape, elements } = checkShape(name, value.shape, file)
  const offsets = value.data_offsets
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
    throw new CheckpointError(
      file,
      name,
      `tensor "${name}": data_offsets must be two non-negative integers, got ${JSON.stringify(offsets)}`,
    )
  }
  const [begin, end] = offsets as [number, number]
  if (begin > end) {
    throw new CheckpointError(
      file,
      name,
      `tensor "${name}": data_offsets [${begin}, ${end}] begins after it ends`,
    )
  }
  if (end > dataBytes) {
    throw new CheckpointError(
      file,
      name,
      `tensor "${name}": data_offsets [${begin}, ${end}) is outside the data section of ${dataBytes} bytes`,
    )
  }
  if (end - begin !== elements * SUPPORTED_DTYPES[dtype]) {
    throw new CheckpointError(
      file,
      name,
      `tensor "${name}" of shape [${shape}] ${dtype} does not match its byte range [${begin}, ${end}) ` +
        `(${elements * SUPPORTED_DTYPES[dtype]} bytes expected, ${end - begin} given)`,
    )
  }
  return { name, dtype, shape, begin, end }
}

function parseJson(bytes: Uint8Array, file: string): Record<string, unknown> {
  let header: unknown
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch (error) {
    throw new CheckpointError(file, 'header', `header is not valid JSON: ${messageOf(error)}`, {
      cause: error,
    })
  }
  if (!isRecord(header)) {
    const got = Array.isArray(header) ? 'an array' : JSON.stringify(header)
    throw new CheckpointError(file, 'header', `header must be a JSON object, got ${got}`)
  }
  return header
}

/**
 * Checks a safetensors header (`headerBytes`, the JSON after the length) against a data section of
 * `dataBytes` bytes: every tensor of a supported dtype, with a shape of integers, a byte range inside
 * the data section whose length is its element count times the dtype size, and no two ranges overlapping.
 */
export function parseSafetensorsHeader(
  headerBytes: Uint8Array,
  dataBytes: number,
  file: string,
): readonly TensorEntry[] {
  const header = parseJson(headerBytes, file)
  const entries: TensorEntry[] = []
  for (const [name, value] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (!isRecord(value)) {
        throw new CheckpointError(file, name, `__metadata__ must be an object, got ${JSON.stringify(value)}`)
      }
      continue
    }
    entries.push(checkEntry(name, value, dataBytes, file))
  }
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end)
  for (let i = 1; i < entries.length; i++) {
    const before = entries[i - 1]!
    const entry = entries[i]!
    if (entry.begin < before.end) {
      throw new CheckpointError(
        file,
        entry.name,
        `tensor "${entry.name}" [${entry.begin}, ${entry.end}) overlaps tensor "${before.name}" [${before.begin}, ${before.end})`,
      )
    }
  }
  return entries
}
