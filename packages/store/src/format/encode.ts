import type { BufferBase } from './base-buffers.js'
import { ByteWriter } from './byte-writer.js'
import { collectState } from './collect.js'
import {
  type AnyTypedArray,
  dtypeCode,
  FORMAT_VERSION,
  FRAME_CRC_BYTES,
  FRAME_HEAD_BYTES,
  INLINE_BUFFER_BYTES,
  LITTLE_ENDIAN,
  MAGIC,
  RECORD,
  SECTION,
  VALUE,
} from './constants.js'
import { crc32Update } from './crc32.js'
import { StoreSaveError } from './errors.js'
import { type StateHeaderInput, writeHeader } from './header.js'

/** Options of `encodeState`. */
export interface EncodeOptions {
  /** The largest section payload written, in bytes (typed array data is split into sections this big). */
  readonly sectionBytes?: number
  /** Buffers up to this many bytes go inline in graph sections, larger ones in data sections (default 64 KiB). */
  readonly inlineBytes?: number
  /**
   * Buffers the reader will already hold (its `ReadOptions.base`): typed arrays over them are written as
   * references, not bytes. A `BufferChain` is told of every buffer this file carries, for the next file.
   */
  readonly base?: BufferBase
}

/** Default section payload: 1 MiB, so a reader never holds more than about that beyond the state itself. */
export const DEFAULT_SECTION_BYTES = 1 << 20
/** The largest section a reader accepts by default; the writer never writes a bigger one. */
export const DEFAULT_MAX_SECTION_BYTES = 16 << 20

/** One section: kind, payload length, payload, CRC-32 of the three. A fresh array the caller may keep. */
export function frameSection(kind: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(FRAME_HEAD_BYTES + payload.length + FRAME_CRC_BYTES)
  const view = new DataView(out.buffer)
  out[0] = kind
  view.setUint32(1, payload.length, true)
  out.set(payload, FRAME_HEAD_BYTES)
  const end = FRAME_HEAD_BYTES + payload.length
  view.setUint32(end, crc32Update(0, out.subarray(0, end)), true)
  return out
}

function isInt32(value: number): boolean {
  return Number.isInteger(value) && value >= -0x80000000 && value <= 0x7fffffff && !Object.is(value, -0)
}

/**
 * Strings of a file (object keys and string values) are written once: the first time as `2·length` and
 * the UTF-8 bytes, after that as `2·id + 1`, the id being the order of first appearance.
 */
export class StringTable {
  private readonly ids = new Map<string, number>()

  write(out: ByteWriter, value: string): void {
    const id = this.ids.get(value)
    if (id !== undefined) {
      out.varint(2 * id + 1)
      return
    }
    this.ids.set(value, this.ids.size)
    const utf8 = encoder.encode(value)
    out.varint(2 * utf8.length)
    out.raw(utf8)
  }
}

const encoder = new TextEncoder()

function writeValue(out: ByteWriter, value: unknown, ids: Map<object, number>, strings: StringTable): void {
  if (value === undefined) out.u8(VALUE.undefined)
  else if (value === null) out.u8(VALUE.null)
  else if (value === true) out.u8(VALUE.true)
  else if (value === false) out.u8(VALUE.false)
  else if (typeof value === 'number') {
    if (isInt32(value)) {
      out.u8(VALUE.int32)
      out.varint(value >= 0 ? 2 * value : -2 * value - 1) // zigzag: small magnitudes, few bytes
    } else {
      out.u8(VALUE.float64)
      out.float64(value)
    }
  } else if (typeof value === 'string') {
    out.u8(VALUE.string)
    strings.write(out, value)
  } else {
    out.u8(VALUE.ref)
    out.varint(ids.get(value as object) as number)
  }
}

/**
 * Serializes a cache state (`cache.saveState()`, or any plain-data tree) as a stream of byte chunks:
 * the magic and version, a header section, graph sections (arrays and objects, each written once and
 * referred to by id, so shared objects stay shared), data sections (the bytes of each ArrayBuffer that
 * typed arrays view, so views of one buffer stay views of one buffer) and an end section. Each section
 * carries a CRC-32. Lazy: chunks are made as they are pulled, none bigger than a section.
 *
 * @example
 * const chunks = encodeState(cache.saveState(), { identity, pipeline: 'kivi:bits=4' })
 * await writeChunks(chunks, fileSink)
 */
export function* encodeState(
  state: unknown,
  header: StateHeaderInput,
  options: EncodeOptions = {},
): Generator<Uint8Array, void, undefined> {
  if (!LITTLE_ENDIAN) throw new Error('@kv/store: big-endian platforms are not supported')
  const sectionBytes = options.sectionBytes ?? DEFAULT_SECTION_BYTES
  if (!Number.isInteger(sectionBytes) || sectionBytes < 64 || sectionBytes > DEFAULT_MAX_SECTION_BYTES)
    throw new RangeError(`@kv/store: sectionBytes ${sectionBytes} must be an integer in [64, 16 MiB]`)
  const inlineBytes = Math.min(options.inlineBytes ?? INLINE_BUFFER_BYTES, sectionBytes)
  const { order, buffers } = collectState(state)
  // The reader holds the base as it is now; buffers this file adds to a chain are for the files after it.
  const baseLength = options.base?.length ?? 0
  const inBase = <T extends { index: number }>(found: T | undefined) =>
    found !== undefined && found.index < baseLength ? found : undefined

  const start = new Uint8Array(MAGIC.length + 4)
  start.set(MAGIC)
  new DataView(start.buffer).setUint32(MAGIC.length, FORMAT_VERSION, true)
  yield start
  const out = new ByteWriter()
  writeHeader(out, header)

  const ids = new Map<object, number>()
  const strings = new StringTable()
  const bufferIds = new Map<ArrayBufferLike, { id: number; origin: number }>()
  let nextId = 0
  let dataBytes = 0
  const digest = new FileDigest()
  let sections = 0
  const section = (kind: number, payload: Uint8Array): Uint8Array => {
    sections++
    return digest.add(frameSection(kind, payload))
  }
  yield section(SECTION.header, out.take())
  const flush = function* (): Generator<Uint8Array> {
    if (out.length === 0) return
    if (out.length > DEFAULT_MAX_SECTION_BYTES)
      throw new StoreSaveError('state', `a record of ${out.length} bytes is past the 16 MiB section limit`)
    yield section(SECTION.graph, out.take())
  }

  for (const object of order) {
    if (ArrayBuffer.isView(object)) {
      const array = object as AnyTypedArray
      const range = buffers.get(array.buffer)!
      let buffer = bufferIds.get(array.buffer)
      if (buffer === undefined) {
        const known = inBase(options.base?.find(array.buffer, range.start, range.end))
        buffer = { id: nextId++, origin: known?.origin ?? range.start }
        bufferIds.set(array.buffer, buffer)
        if (known !== undefined) {
          out.u8(RECORD.baseBuffer)
          out.varint(known.index)
        } else {
          const length = range.end - range.start
          const bytes = new Uint8Array(array.buffer, range.start, length)
          const prefix = inBase(options.base?.findPrefix?.(bytes))
          if (prefix !== undefined && prefix.length === length) {
            // The same bytes as a base buffer (a copy of it): refer to it.
            out.u8(RECORD.baseBuffer)
            out.varint(prefix.index)
          } else {
            // A new buffer: inline, in data sections, or as a base buffer's bytes and a tail.
            const from = prefix?.length ?? 0
            if (prefix !== undefined) {
              out.u8(RECORD.extendedBuffer)
              out.varint(prefix.index)
              out.varint(length - from)
            } else if (length <= inlineBytes) {
              out.u8(RECORD.inlineBuffer)
              out.varint(length)
              out.raw(bytes)
            } else {
              out.u8(RECORD.buffer)
              out.varint(length)
            }
            if (prefix !== undefined || length > inlineBytes) {
              yield* flush()
              for (let at = from; at < length; at += sectionBytes)
                yield section(SECTION.data, bytes.subarray(at, Math.min(length, at + sectionBytes)))
            }
            options.base?.carried?.(array.buffer, range.start, range.end)
            dataBytes += length - from
          }
        }
      }
      out.u8(RECORD.view)
      out.u8(dtypeCode(array))
      out.varint(buffer.id)
      out.varint(array.byteOffset - buffer.origin)
      out.varint(array.length)
    } else if (Array.isArray(object)) {
      out.u8(RECORD.array)
      out.varint(object.length)
      for (let i = 0; i < object.length; i++) writeValue(out, object[i], ids, strings)
    } else {
      const keys = Object.keys(object)
      out.u8(RECORD.object)
      out.varint(keys.length)
      for (const key of keys) {
        strings.write(out, key)
        writeValue(out, (object as Record<string, unknown>)[key], ids, strings)
      }
    }
    ids.set(object, nextId++)
    if (out.length >= sectionBytes) yield* flush()
  }
  yield* flush()
  writeValue(out, state, ids, strings)
  const rootValue = out.take()
  out.varint(nextId)
  out.raw(rootValue)
  out.varint(dataBytes)
  out.varint(sections)
  out.u32(digest.value)
  yield frameSection(SECTION.end, out.take())
}

/**
 * A checksum over the checksums of every section before the end section, stored in the end section: a
 * file spliced from two writes of one key (a reader streaming an entry while it is replaced) fails it even
 * where each section's own checksum holds.
 */
export class FileDigest {
  value = 0

  /** Adds a framed section (its last 4 bytes are its CRC); returns the section. */
  add(frame: Uint8Array): Uint8Array {
    this.value = crc32Update(this.value, frame.subarray(frame.length - FRAME_CRC_BYTES))
    return frame
  }
}
