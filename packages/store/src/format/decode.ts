import { ByteCursor } from './byte-cursor.js'
import { ChunkReader, type ChunkSource } from './chunk-reader.js'
import {
  FORMAT_VERSION,
  FRAME_CRC_BYTES,
  FRAME_HEAD_BYTES,
  LITTLE_ENDIAN,
  MAGIC,
  SECTION,
  SECTION_NAMES,
} from './constants.js'
import { crc32Update } from './crc32.js'
import { DEFAULT_MAX_SECTION_BYTES, FileDigest } from './encode.js'
import { StoreFormatError } from './errors.js'
import { GraphBuilder } from './graph-builder.js'
import { identityBytes, readHeader, type StateHeader } from './header.js'

/** What the caller expects of a stored state; a mismatch is a StoreFormatError before the body is read. */
export interface ExpectedHeader {
  readonly identity?: Uint8Array | string
  readonly pipeline?: string
}

/** Options of `readState`. */
export interface ReadOptions {
  readonly expect?: ExpectedHeader
  /** The largest section accepted (default 16 MiB): a corrupt length never allocates more than this. */
  readonly maxSectionBytes?: number
  /** The largest total of typed array bytes accepted (default 2 GiB). */
  readonly maxDataBytes?: number
  /**
   * Buffers the file may refer to instead of carrying them (the `buffers` of the files it was written
   * against, in order: `BufferChain.buffers`). A reference past them is a StoreFormatError.
   */
  readonly base?: readonly ArrayBuffer[]
}

/** A state read back: its header and the plain-data tree to give to `cache.loadState`. */
export interface ReadResult<State = unknown> {
  readonly header: StateHeader
  readonly state: State
  /** The buffers the file carried (not its base buffers), in order: with the base, the next file's base. */
  readonly buffers: readonly ArrayBuffer[]
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

function hex(bytes: Uint8Array): string {
  const shown = Array.from(bytes.subarray(0, 16), (b) => b.toString(16).padStart(2, '0')).join('')
  return bytes.length > 16 ? `${shown}…` : shown
}

/** A file's start: the magic and a format version this reader knows. */
async function readPreamble(reader: ChunkReader): Promise<void> {
  const magic = await reader.read(MAGIC.length)
  if (magic === null || !sameBytes(magic, MAGIC)) {
    const got = magic ?? new Uint8Array(0)
    throw new StoreFormatError(
      { section: 'magic', field: 'magic' },
      magic === null
        ? `truncated: ${reader.available} byte(s), a stored state starts with 8 magic bytes`
        : `not a @kv/store state (starts with ${hex(got)}, expected ${hex(MAGIC)})`,
    )
  }
  const version = await reader.read(4)
  if (version === null) throw new StoreFormatError({ section: 'version', field: 'version' }, 'truncated')
  const number = new DataView(version.buffer, version.byteOffset, 4).getUint32(0, true)
  if (number > FORMAT_VERSION)
    throw new StoreFormatError(
      { section: 'version', field: 'version' },
      `format version ${number} is newer than this reader (version ${FORMAT_VERSION}): upgrade @kv/store`,
    )
  if (number < 1)
    throw new StoreFormatError({ section: 'version', field: 'version' }, `no format version ${number}`)
}

/** One section: frame read, length bounded, checksum verified. */
async function readSection(
  reader: ChunkReader,
  index: number,
  maxSectionBytes: number,
): Promise<{ kind: number; name: string; payload: Uint8Array; crc: Uint8Array }> {
  const at = reader.consumed
  const head = await reader.read(FRAME_HEAD_BYTES)
  if (head === null)
    throw new StoreFormatError(
      { section: 'frame', sectionIndex: index, field: 'kind' },
      `truncated at byte ${at + reader.available}: the file ends before section #${index} (no end section)`,
    )
  const kind = head[0] as number
  const name = SECTION_NAMES[kind]
  if (name === undefined)
    throw new StoreFormatError(
      { section: 'frame', sectionIndex: index, field: 'kind' },
      `unknown section kind ${kind}`,
    )
  const length = new DataView(head.buffer, head.byteOffset, FRAME_HEAD_BYTES).getUint32(1, true)
  if (length > maxSectionBytes)
    throw new StoreFormatError(
      { section: name, sectionIndex: index, field: 'length' },
      `${length} bytes is past the limit of ${maxSectionBytes} per section (ReadOptions.maxSectionBytes)`,
    )
  const body = await reader.read(length + FRAME_CRC_BYTES)
  if (body === null)
    throw new StoreFormatError(
      { section: name, sectionIndex: index, field: 'length' },
      `truncated: the section needs ${length + FRAME_CRC_BYTES} bytes after its frame, the file has ${reader.available}`,
    )
  const payload = body.subarray(0, length)
  const stored = new DataView(body.buffer, body.byteOffset + length, FRAME_CRC_BYTES).getUint32(0, true)
  const actual = crc32Update(crc32Update(0, head), payload)
  if (stored !== actual)
    throw new StoreFormatError(
      { section: name, sectionIndex: index, field: 'crc32' },
      `checksum mismatch (stored ${stored.toString(16)}, computed ${actual.toString(16)}): the section is corrupt`,
    )
  return { kind, name, payload, crc: body.subarray(length) }
}

function checkExpected(header: StateHeader, expect: ExpectedHeader | undefined): void {
  if (expect?.identity !== undefined) {
    const wanted = identityBytes(expect.identity)
    if (!sameBytes(wanted, header.identity))
      throw new StoreFormatError(
        { section: 'header', sectionIndex: 0, field: 'identity' },
        `stored for another model (identity ${hex(header.identity)}, expected ${hex(wanted)})`,
      )
  }
  if (expect?.pipeline !== undefined && expect.pipeline !== header.pipeline)
    throw new StoreFormatError(
      { section: 'header', sectionIndex: 0, field: 'pipeline' },
      `stored for pipeline ${JSON.stringify(header.pipeline)}, expected ${JSON.stringify(expect.pipeline)}`,
    )
}

async function readStart(
  reader: ChunkReader,
  options: ReadOptions,
  digest = new FileDigest(),
): Promise<StateHeader> {
  await readPreamble(reader)
  const section = await readSection(reader, 0, options.maxSectionBytes ?? DEFAULT_MAX_SECTION_BYTES)
  digest.add(section.crc)
  const cursor = new ByteCursor(section.payload, section.name, 0)
  if (section.kind !== SECTION.header) cursor.fail('kind', 'the first section must be the header')
  const header = readHeader(cursor)
  checkExpected(header, options.expect)
  return header
}

/**
 * Reads only the header of a stored state (model identity, pipeline, params), then stops the source.
 *
 * @example
 * const { pipeline } = await readStateHeader(chunksOf(blob.stream()))
 */
export async function readStateHeader(source: ChunkSource, options: ReadOptions = {}): Promise<StateHeader> {
  const reader = new ChunkReader(source)
  try {
    return await readStart(reader, options)
  } finally {
    await reader.cancel()
  }
}

/**
 * Reads a stored state from a stream of chunks, verifying every section's checksum and every length
 * before use. Throws a StoreFormatError (with the section and field) on anything wrong: truncation,
 * corruption, trailing bytes, another model or pipeline than `options.expect`, a newer format version.
 *
 * @example
 * const { state } = await readState(createReadStream(path), { expect: { identity, pipeline } })
 * cache.loadState(state)
 */
export async function readState<State = unknown>(
  source: ChunkSource,
  options: ReadOptions = {},
): Promise<ReadResult<State>> {
  if (!LITTLE_ENDIAN) throw new Error('@kv/store: big-endian platforms are not supported')
  const maxSectionBytes = options.maxSectionBytes ?? DEFAULT_MAX_SECTION_BYTES
  const reader = new ChunkReader(source)
  let finished = false
  try {
    const digest = new FileDigest()
    const header = await readStart(reader, options, digest)
    const graph = new GraphBuilder(options.maxDataBytes ?? 2 ** 31, options.base)
    for (let index = 1; ; index++) {
      const { kind, name, payload, crc } = await readSection(reader, index, maxSectionBytes)
      const cursor = new ByteCursor(payload, name, index)
      if (graph.pending !== null && kind !== SECTION.data)
        cursor.fail('kind', `buffer ${graph.pending.id} still needs data, got a ${name} section`)
      if (kind === SECTION.graph) graph.readSection(cursor)
      else if (kind === SECTION.data) graph.addData(payload, cursor)
      else if (kind === SECTION.end) {
        const state = graph.finish(cursor, index, digest.value) as State
        if (!(await reader.atEnd()))
          throw new StoreFormatError(
            { section: 'end', sectionIndex: index, field: 'trailing' },
            `bytes after the end section (at byte ${reader.consumed})`,
          )
        finished = true
        return { header, state, buffers: graph.carried }
      } else cursor.fail('kind', 'a second header section')
      digest.add(crc)
    }
  } finally {
    if (!finished) await reader.cancel()
  }
}
