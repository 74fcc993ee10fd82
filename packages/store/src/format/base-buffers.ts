/**
 * Buffers a file may refer to instead of carrying them: the writer side of `ReadOptions.base`. A prefix
 * chunk is written against the buffers of the chunks before it, so the encoded blocks that a longer prefix
 * shares with a shorter one are stored once (codecs never change a block in place).
 */
export interface BufferBase {
  /** How many buffers the reader holds: only those (indices below it) may be referred to. */
  readonly length: number
  /**
   * The index of a base buffer that holds bytes `[start, end)` of `buffer`, unchanged since it was stored,
   * and the offset in `buffer` where that base buffer begins; undefined when there is none.
   */
  find(buffer: ArrayBufferLike, start: number, end: number): { index: number; origin: number } | undefined
  /**
   * A base buffer whose bytes, as stored, are a prefix of `bytes` (the longest one), and its length: the
   * file then carries only the rest (rows appended to a full-precision cache since the last chunk).
   */
  findPrefix?(bytes: Uint8Array): { index: number; length: number } | undefined
  /** Told of every buffer the file carries itself, in the order the reader numbers them. */
  carried?(buffer: ArrayBufferLike, start: number, end: number): void
}

/** Buffers shorter than this are never matched as prefixes (the lookup key is a digest of these bytes). */
export const PREFIX_HEAD_BYTES = 64

interface BaseEntry {
  readonly index: number
  readonly start: number
  readonly end: number
  readonly digest: number
}

/**
 * The buffers of a chain of files, in the order a reader lists them (`ReadResult.buffers` of each file,
 * one after the other). A buffer is only referred to while its bytes are the ones stored: each entry keeps
 * a 64-bit digest of them, checked again before every reference, so a buffer changed in place after it
 * was stored is written again, never referred to.
 *
 * @example
 * const chain = new BufferChain()
 * await store.put(key1, await concatChunks(encodeState(state1, header, { base: chain })))
 * await store.put(key2, await concatChunks(encodeState(state2, header, { base: chain }))) // refers to state1's blocks
 */
export class BufferChain implements BufferBase {
  /** Every buffer of the chain, by index: what a reader passes as `ReadOptions.base` for the next file. */
  readonly buffers: ArrayBufferLike[] = []
  private readonly entries = new Map<ArrayBufferLike, BaseEntry>()
  /** Entries by the digest of their first PREFIX_HEAD_BYTES bytes, for `findPrefix`. */
  private readonly byHead = new Map<number, BaseEntry[]>()

  get length(): number {
    return this.buffers.length
  }

  find(buffer: ArrayBufferLike, start: number, end: number): { index: number; origin: number } | undefined {
    const entry = this.entries.get(buffer)
    if (entry === undefined || start < entry.start || end > entry.end) return undefined
    if (digestBytes(new Uint8Array(buffer, entry.start, entry.end - entry.start)) !== entry.digest)
      return undefined
    return { index: entry.index, origin: entry.start }
  }

  findPrefix(bytes: Uint8Array): { index: number; length: number } | undefined {
    if (bytes.length < PREFIX_HEAD_BYTES) return undefined
    let best: BaseEntry | undefined
    for (const entry of this.byHead.get(digestBytes(bytes.subarray(0, PREFIX_HEAD_BYTES))) ?? []) {
      const length = entry.end - entry.start
      if (length > bytes.length || (best !== undefined && length <= best.end - best.start)) continue
      if (digestBytes(bytes.subarray(0, length)) === entry.digest) best = entry
    }
    return best === undefined ? undefined : { index: best.index, length: best.end - best.start }
  }

  carried(buffer: ArrayBufferLike, start: number, end: number): void {
    this.add(buffer, start, end)
  }

  /**
   * The first `count` buffers only, as a base for a file that is not part of the chain (it refers to them
   * and adds none): a state stored beside the chain's chunk `k` is written against the chunks up to `k`.
   */
  upTo(count: number): BufferBase {
    // The encoder refers only to indices below `length`, so the lookups need no filter of their own.
    return {
      length: Math.min(count, this.length),
      find: (buffer, start, end) => this.find(buffer, start, end),
      findPrefix: (bytes) => this.findPrefix(bytes),
    }
  }

  /** Adds the buffers a reader got from one file of the chain (`ReadResult.buffers`). */
  addRead(buffers: readonly ArrayBuffer[]): void {
    for (const buffer of buffers) this.add(buffer, 0, buffer.byteLength)
  }

  private add(buffer: ArrayBufferLike, start: number, end: number): void {
    const index = this.buffers.length
    this.buffers.push(buffer)
    const bytes = new Uint8Array(buffer, start, end - start)
    const entry = { index, start, end, digest: digestBytes(bytes) }
    const known = this.entries.get(buffer)
    // A buffer met again with a wider range is referred to through its widest entry.
    if (known === undefined || end - start >= known.end - known.start) this.entries.set(buffer, entry)
    if (bytes.length >= PREFIX_HEAD_BYTES) {
      const head = digestBytes(bytes.subarray(0, PREFIX_HEAD_BYTES))
      const list = this.byHead.get(head)
      if (list === undefined) this.byHead.set(head, [entry])
      else list.push(entry)
    }
  }
}

/**
 * A fast 52-bit digest of bytes (two multiplicative 32-bit lanes over 4-byte words, then the tail bytes),
 * to tell whether a buffer changed since it was stored. Not for untrusted input; the file's CRCs guard the
 * bytes themselves.
 */
export function digestBytes(bytes: Uint8Array): number {
  let a = 0x811c9dc5 ^ bytes.length
  let b = 0x9e3779b9
  const words = bytes.byteOffset % 4 === 0 ? bytes.length >>> 2 : 0
  if (words > 0) {
    const view = new Int32Array(bytes.buffer, bytes.byteOffset, words)
    for (let i = 0; i < words; i++) {
      const w = view[i] as number
      a = Math.imul(a ^ w, 0x01000193)
      b = Math.imul((b << 5) | (b >>> 27), 0x85ebca6b) ^ w
    }
  }
  for (let i = words * 4; i < bytes.length; i++) {
    a = Math.imul(a ^ (bytes[i] as number), 0x01000193)
    b = Math.imul((b << 5) | (b >>> 27), 0x85ebca6b) ^ (bytes[i] as number)
  }
  return (a >>> 0) * 0x100000 + ((b >>> 12) & 0xfffff)
}
