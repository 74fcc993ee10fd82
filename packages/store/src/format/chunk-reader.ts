/** Byte chunks from anywhere: a Node stream, `blob.stream()` (through `chunksOf`), a generator, an array. */
export type ChunkSource = AsyncIterable<Uint8Array> | Iterable<Uint8Array>

/**
 * Reads exact byte counts from a chunk source, pulling chunks only as needed: the reader holds at most
 * one section beyond what it has handed out, whatever the size of the whole file.
 */
export class ChunkReader {
  private readonly iterator: AsyncIterator<Uint8Array> | Iterator<Uint8Array>
  private readonly queue: Uint8Array[] = []
  private queued = 0
  private done = false
  /** Bytes handed out so far (the offset in the file of the next read). */
  consumed = 0

  constructor(source: ChunkSource) {
    this.iterator =
      Symbol.asyncIterator in source
        ? (source as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]()
        : (source as Iterable<Uint8Array>)[Symbol.iterator]()
  }

  private async pull(): Promise<boolean> {
    while (!this.done) {
      const next = await this.iterator.next()
      if (next.done) {
        this.done = true
        return false
      }
      const chunk = next.value
      if (!(chunk instanceof Uint8Array))
        throw new TypeError(`@kv/store: a chunk source yielded ${typeof chunk}, not a Uint8Array`)
      if (chunk.length === 0) continue
      // A Node Buffer's slice() is a view, not a copy: handle every chunk as a plain Uint8Array.
      this.queue.push(
        Object.getPrototypeOf(chunk) === Uint8Array.prototype
          ? chunk
          : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength),
      )
      this.queued += chunk.length
      return true
    }
    return false
  }

  /** Exactly `count` bytes, or null when the source ends first (then `available` says how many came). */
  async read(count: number): Promise<Uint8Array | null> {
    while (this.queued < count) if (!(await this.pull())) return null
    const first = this.queue[0]
    let out: Uint8Array
    if (first !== undefined && first.length >= count) {
      out = first.subarray(0, count)
      if (first.length === count) this.queue.shift()
      else this.queue[0] = first.subarray(count)
    } else {
      out = new Uint8Array(count)
      let filled = 0
      while (filled < count) {
        const chunk = this.queue[0] as Uint8Array
        const take = Math.min(chunk.length, count - filled)
        out.set(chunk.subarray(0, take), filled)
        filled += take
        if (take === chunk.length) this.queue.shift()
        else this.queue[0] = chunk.subarray(take)
      }
    }
    this.queued -= count
    this.consumed += count
    return out
  }

  /** Bytes already pulled and not handed out (for a truncation message). */
  get available(): number {
    return this.queued
  }

  /** True when no byte is left in the source. */
  async atEnd(): Promise<boolean> {
    return this.queued === 0 && !(await this.pull())
  }

  /** Stops the source early (closes a file or a network stream we will not read to the end). */
  async cancel(): Promise<void> {
    this.done = true
    await this.iterator.return?.()
  }
}
