import type { ByteCursor } from './byte-cursor.js'
import { DTYPES, RECORD, VALUE } from './constants.js'

const KIND_BUFFER = 0
const KIND_VALUE = 1

/**
 * Rebuilds the state from graph records as they arrive: every record defines the next node id and may
 * only refer to nodes defined before it, so corrupt input can neither recurse nor form a cycle.
 */
export class GraphBuilder {
  readonly nodes: unknown[] = []
  private readonly strings: string[] = []
  private readonly kinds: number[] = []
  /** The buffer whose bytes the next data sections carry. */
  pending: {
    id: number
    length: number
    pieces: Uint8Array[]
    received: number
    /** The base buffer whose bytes come before the data sections' (an extended buffer). */
    head?: ArrayBuffer
  } | null = null
  dataBytes = 0
  /** The buffers this file carried itself (not its base buffers), in order: the base of the next file of a chain. */
  readonly carried: ArrayBuffer[] = []

  constructor(
    private readonly maxDataBytes: number,
    private readonly base: readonly ArrayBuffer[] = [],
  ) {}

  /** Reads every record of one graph section. */
  readSection(cursor: ByteCursor): void {
    while (cursor.remaining > 0) {
      const record = cursor.u8('record')
      if (record === RECORD.buffer) this.readBuffer(cursor)
      else if (record === RECORD.view) this.readView(cursor)
      else if (record === RECORD.array) this.readArray(cursor)
      else if (record === RECORD.object) this.readObject(cursor)
      else if (record === RECORD.inlineBuffer) this.readInlineBuffer(cursor)
      else if (record === RECORD.baseBuffer) this.readBaseBuffer(cursor)
      else if (record === RECORD.extendedBuffer) this.readExtendedBuffer(cursor)
      else cursor.fail('record', `unknown record type ${record} for node ${this.nodes.length}`)
    }
  }

  private define(value: unknown, kind: number): void {
    this.nodes.push(value)
    this.kinds.push(kind)
  }

  private readBuffer(cursor: ByteCursor): void {
    const length = cursor.varint('buffer.length')
    if (length > this.maxDataBytes - this.dataBytes)
      cursor.fail(
        'buffer.length',
        `${length} bytes would pass the limit of ${this.maxDataBytes} data bytes (ReadOptions.maxDataBytes)`,
      )
    if (cursor.remaining !== 0)
      cursor.fail('buffer', 'a buffer record must end its section (its data sections follow)')
    this.dataBytes += length
    const id = this.nodes.length
    this.define(undefined, KIND_BUFFER)
    if (length === 0) this.carry(id, new ArrayBuffer(0))
    else this.pending = { id, length, pieces: [], received: 0 }
  }

  private carry(id: number, buffer: ArrayBuffer): void {
    this.nodes[id] = buffer
    this.carried.push(buffer)
  }

  private baseBuffer(cursor: ByteCursor): ArrayBuffer {
    const index = cursor.varint('base.index')
    if (index >= this.base.length)
      cursor.fail(
        'base.index',
        `refers to base buffer ${index}, the reader was given ${this.base.length} (ReadOptions.base: the chunks before this one)`,
      )
    return this.base[index] as ArrayBuffer
  }

  private readBaseBuffer(cursor: ByteCursor): void {
    this.define(this.baseBuffer(cursor), KIND_BUFFER)
  }

  /** A base buffer's bytes, then a tail from the data sections that follow (allocated when they are all there). */
  private readExtendedBuffer(cursor: ByteCursor): void {
    const head = this.baseBuffer(cursor)
    const length = cursor.varint('buffer.length')
    if (length > this.maxDataBytes - this.dataBytes || head.byteLength + length > this.maxDataBytes)
      cursor.fail(
        'buffer.length',
        `${head.byteLength} + ${length} bytes would pass the limit of ${this.maxDataBytes} data bytes (ReadOptions.maxDataBytes)`,
      )
    if (cursor.remaining !== 0)
      cursor.fail('buffer', 'an extended buffer record must end its section (its data sections follow)')
    this.dataBytes += length
    const id = this.nodes.length
    this.define(undefined, KIND_BUFFER)
    this.pending = { id, length, pieces: [], received: 0, head }
    if (length === 0) this.complete()
  }

  private readInlineBuffer(cursor: ByteCursor): void {
    const length = cursor.count('buffer.length', 1)
    if (length > this.maxDataBytes - this.dataBytes)
      cursor.fail(
        'buffer.length',
        `${length} bytes would pass the limit of ${this.maxDataBytes} data bytes (ReadOptions.maxDataBytes)`,
      )
    this.dataBytes += length
    const id = this.nodes.length
    this.define(undefined, KIND_BUFFER)
    this.carry(id, cursor.raw(length, 'buffer').slice().buffer)
  }

  /** Adds one data section to the pending buffer; finishes the buffer when its bytes are all there. */
  addData(payload: Uint8Array, cursor: ByteCursor): void {
    const pending = this.pending
    if (pending === null) cursor.fail('data', 'a data section with no buffer record before it')
    if (payload.length > pending.length - pending.received)
      cursor.fail('length', `${payload.length} bytes overrun buffer ${pending.id} (${pending.length} bytes)`)
    pending.pieces.push(payload.slice())
    pending.received += payload.length
    if (pending.received === pending.length) this.complete()
  }

  /** The pending buffer's bytes are all there: one buffer of the head (if any) and the pieces. */
  private complete(): void {
    const pending = this.pending as NonNullable<GraphBuilder['pending']>
    const only =
      pending.pieces.length === 1 && pending.head === undefined ? (pending.pieces[0] as Uint8Array) : null
    let bytes: Uint8Array
    if (only !== null) bytes = only
    else {
      const head = pending.head === undefined ? new Uint8Array(0) : new Uint8Array(pending.head)
      bytes = new Uint8Array(head.length + pending.length)
      bytes.set(head)
      let at = head.length
      for (const piece of pending.pieces) {
        bytes.set(piece, at)
        at += piece.length
      }
    }
    this.carry(pending.id, bytes.buffer as ArrayBuffer)
    this.pending = null
  }

  private readView(cursor: ByteCursor): void {
    const dtype = cursor.u8('view.dtype')
    const Ctor = DTYPES[dtype]
    if (Ctor === undefined) cursor.fail('view.dtype', `unknown typed array code ${dtype}`)
    const bufferId = cursor.varint('view.buffer')
    if (bufferId >= this.nodes.length || this.kinds[bufferId] !== KIND_BUFFER)
      cursor.fail('view.buffer', `node ${bufferId} is not a buffer defined before view ${this.nodes.length}`)
    const buffer = this.nodes[bufferId] as ArrayBuffer
    const offset = cursor.varint('view.offset')
    const length = cursor.varint('view.length')
    const size = Ctor.BYTES_PER_ELEMENT
    if (offset % size !== 0)
      cursor.fail('view.offset', `${offset} is not a multiple of ${size} (${Ctor.name})`)
    if (offset > buffer.byteLength || length > (buffer.byteLength - offset) / size)
      cursor.fail('view.length', `${Ctor.name}(${length}) at ${offset} is past buffer ${bufferId}'s end`)
    this.define(new Ctor(buffer, offset, length), KIND_VALUE)
  }

  private readValue(cursor: ByteCursor, field: string): unknown {
    const tag = cursor.u8(field)
    switch (tag) {
      case VALUE.undefined:
        return undefined
      case VALUE.null:
        return null
      case VALUE.false:
        return false
      case VALUE.true:
        return true
      case VALUE.int32: {
        const zigzag = cursor.varint(field)
        if (zigzag > 0xffffffff) cursor.fail(field, `integer ${zigzag} is past the int32 range`)
        return zigzag % 2 === 0 ? zigzag / 2 : -(zigzag + 1) / 2
      }
      case VALUE.float64:
        return cursor.float64(field)
      case VALUE.string:
        return this.readString(cursor, field)
      case VALUE.ref: {
        const id = cursor.varint(field)
        if (id >= this.nodes.length || this.kinds[id] !== KIND_VALUE)
          cursor.fail(field, `reference to node ${id}, which is not an array, object or view defined before`)
        return this.nodes[id]
      }
      default:
        return cursor.fail(field, `unknown value tag ${tag}`)
    }
  }

  /** A string of the file's string table: new (`2·length`, UTF-8) or a reference (`2·id + 1`). */
  private readString(cursor: ByteCursor, field: string): string {
    const code = cursor.varint(field)
    if (code % 2 === 1) {
      const value = this.strings[(code - 1) / 2]
      if (value === undefined)
        cursor.fail(field, `reference to string ${(code - 1) / 2}, of ${this.strings.length}`)
      return value
    }
    const value = cursor.utf8(code / 2, field)
    this.strings.push(value)
    return value
  }

  private readArray(cursor: ByteCursor): void {
    const count = cursor.count('array.length', 1)
    const array = new Array<unknown>(count)
    for (let i = 0; i < count; i++) array[i] = this.readValue(cursor, 'array.item')
    this.define(array, KIND_VALUE)
  }

  private readObject(cursor: ByteCursor): void {
    const count = cursor.count('object.size', 2)
    const object: Record<string, unknown> = {}
    for (let i = 0; i < count; i++) {
      const key = this.readString(cursor, 'object.key')
      if (Object.hasOwn(object, key)) cursor.fail('object.key', `duplicate key ${JSON.stringify(key)}`)
      const value = this.readValue(cursor, 'object.value')
      Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true })
    }
    this.define(object, KIND_VALUE)
  }

  /**
   * The end section: node count, root value, data bytes, section count and the digest of the sections'
   * checksums must match what was read.
   */
  finish(cursor: ByteCursor, sectionsBefore: number, digest: number): unknown {
    if (this.pending !== null)
      cursor.fail(
        'data',
        `buffer ${this.pending.id} got ${this.pending.received} of ${this.pending.length} bytes`,
      )
    const nodes = cursor.varint('nodes')
    if (nodes !== this.nodes.length)
      cursor.fail('nodes', `says ${nodes} nodes, the graph defined ${this.nodes.length}`)
    const root = this.readValue(cursor, 'root')
    const dataBytes = cursor.varint('dataBytes')
    if (dataBytes !== this.dataBytes)
      cursor.fail('dataBytes', `says ${dataBytes} data bytes, the buffers hold ${this.dataBytes}`)
    const sections = cursor.varint('sections')
    if (sections !== sectionsBefore)
      cursor.fail('sections', `says ${sections} sections before it, the file had ${sectionsBefore}`)
    const stored = cursor.u32('digest')
    if (stored !== digest)
      cursor.fail(
        'digest',
        `the sections' checksums digest to ${digest.toString(16)}, the file says ${stored.toString(16)}: sections of different writes were spliced`,
      )
    if (cursor.remaining !== 0) cursor.fail('length', `${cursor.remaining} unread byte(s)`)
    return root
  }
}
