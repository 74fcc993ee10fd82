import { storageBuffer } from '../device/buffers.js'
import { BufferUsage } from '../device/usage.js'
import { encodePage } from './encode-page.js'
import { type AttentionArithmetic, type CacheKind, type PageLayout, pageLayout } from './layout.js'

/** What {@link PagedKV} needs to know. */
export interface PagedKVOptions {
  readonly headDim: number
  readonly kvHeads: number
  readonly kind: CacheKind
  readonly groupSize?: number
  readonly pageTokens?: number
  readonly batch?: number
  readonly maxTokens: number
  /** The kernel that will read the pages (fixes their word order; default `float32`). */
  readonly arithmetic?: AttentionArithmetic
}

const WHERE = 'PagedKV'

/**
 * A paged KV cache on the GPU: one pool buffer of pages (a page = `pageTokens` tokens of one KV head of one
 * sequence, keys and values, in {@link PageLayout}), a page table `[batch][kvHeads][maxPages]` of page
 * numbers and the token count of each sequence. Pages come from a free list, so sequences grow and are
 * reset independently. The newest, partial page of each head is kept in float32 on the CPU as well and
 * re-encoded as tokens arrive (a q page is quantized over the tokens it holds).
 *
 * @example
 * const kv = new PagedKV(device, { headDim: 128, kvHeads: 8, kind: 'q4', groupSize: 128, maxTokens: 8192 })
 * kv.append(0, keys, values)
 */
export class PagedKV {
  readonly layout: PageLayout
  readonly batch: number
  readonly maxTokens: number
  readonly maxPages: number
  readonly pool: GPUBuffer
  readonly pageTable: GPUBuffer
  readonly lengthBuffer: GPUBuffer
  protected readonly lengths: number[]
  private readonly table: Uint32Array
  private readonly owned: Int32Array
  private readonly free: number[] = []
  private readonly tails: Float32Array[]
  private readonly page: Uint32Array
  private dirty = true
  private destroyed = false

  constructor(
    readonly device: GPUDevice,
    readonly kvOptions: PagedKVOptions,
  ) {
    const { headDim, kvHeads, kind, maxTokens } = kvOptions
    const batch = kvOptions.batch ?? 1
    const pageTokens = kvOptions.pageTokens ?? 128
    this.layout = pageLayout(kind, headDim, pageTokens, kvOptions.groupSize ?? 32, kvOptions.arithmetic)
    for (const [name, value] of [
      ['kvHeads', kvHeads],
      ['batch', batch],
      ['maxTokens', maxTokens],
    ] as const) {
      if (!Number.isInteger(value) || value < 1)
        throw new RangeError(`${WHERE}: ${name} must be a positive integer, got ${value}`)
    }
    this.batch = batch
    this.maxTokens = maxTokens
    this.maxPages = Math.ceil(maxTokens / pageTokens)
    const pages = batch * kvHeads * this.maxPages
    const bytes = pages * this.layout.pageWords * 4
    const limit = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize)
    if (bytes > limit) {
      throw new RangeError(
        `${WHERE}: ${pages} pages need ${bytes} bytes, above this device's storage binding limit ${limit}; use a smaller batch or maxTokens per cache`,
      )
    }
    this.pool = storageBuffer(device, bytes)
    this.table = new Uint32Array(batch * kvHeads * this.maxPages)
    this.pageTable = storageBuffer(device, this.table.byteLength)
    this.lengthBuffer = storageBuffer(device, 4 * batch, BufferUsage.STORAGE | BufferUsage.COPY_DST)
    this.lengths = new Array<number>(batch).fill(0)
    this.owned = new Int32Array(pages).fill(-1)
    for (let p = pages - 1; p >= 0; p--) this.free.push(p)
    this.tails = Array.from({ length: batch * kvHeads }, () => new Float32Array(2 * pageTokens * headDim))
    this.page = new Uint32Array(this.layout.pageWords)
  }

  /** Tokens held by sequence `seq`. */
  length(seq: number): number {
    this.checkSeq(seq)
    return this.lengths[seq]!
  }

  /** Bytes of GPU buffers held (pool, page table, lengths). */
  physicalBytes(): number {
    return this.pool.size + this.pageTable.size + this.lengthBuffer.size
  }

  /**
   * Appends `tokens` rows of keys and values (`[tokens, kvHeads, headDim]` float32 each) to sequence `seq`.
   * Throws before changing anything if they do not fit or hold non-finite values.
   *
   * @example
   * cache.append(0, k, v)
   */
  append(seq: number, keys: Float32Array, values: Float32Array): void {
    this.checkAlive()
    this.checkSeq(seq)
    const { headDim: D, kvHeads: H } = this.kvOptions
    const P = this.layout.pageTokens
    if (keys.length !== values.length || keys.length % (H * D) !== 0) {
      throw new RangeError(
        `${WHERE}.append: keys (${keys.length}) and values (${values.length}) must both be tokens × ${H} × ${D}`,
      )
    }
    const tokens = keys.length / (H * D)
    const start = this.lengths[seq]!
    if (start + tokens > this.maxTokens) {
      throw new RangeError(
        `${WHERE}.append: ${start} + ${tokens} tokens exceed maxTokens ${this.maxTokens} of sequence ${seq}`,
      )
    }
    for (let i = 0; i < keys.length; i++) {
      if (!Number.isFinite(keys[i]!) || !Number.isFinite(values[i]!)) {
        throw new RangeError(
          `${WHERE}.append: keys[${i}] = ${keys[i]}, values[${i}] = ${values[i]}; must be finite`,
        )
      }
    }
    for (let t = 0; t < tokens; t++) {
      const pos = start + t
      const slot = pos % P
      if (slot === 0) for (let h = 0; h < H; h++) this.allocate(seq, h, pos / P)
      for (let h = 0; h < H; h++) {
        const tail = this.tails[seq * H + h]!
        tail.set(keys.subarray((t * H + h) * D, (t * H + h + 1) * D), slot * D)
        tail.set(values.subarray((t * H + h) * D, (t * H + h + 1) * D), (P + slot) * D)
        if (slot === P - 1 || t === tokens - 1) this.writePage(seq, h, Math.floor(pos / P), slot + 1)
      }
    }
    this.lengths[seq] = start + tokens
    this.dirty = true
  }

  /**
   * Gives sequence `seq` pages for `tokens` tokens without writing them: the caller fills `pool` on the GPU
   * (the runtime's own kernels, or a benchmark). Page numbers are in `pageNumbers(seq, head)`.
   *
   * @example
   * cache.reserve(0, 32768)
   */
  reserve(seq: number, tokens: number): void {
    this.checkAlive()
    this.checkSeq(seq)
    if (!Number.isInteger(tokens) || tokens < 0 || this.lengths[seq]! + tokens > this.maxTokens) {
      throw new RangeError(
        `${WHERE}.reserve: tokens must fit maxTokens ${this.maxTokens} after ${this.lengths[seq]}, got ${tokens}`,
      )
    }
    const P = this.layout.pageTokens
    const end = this.lengths[seq]! + tokens
    for (let p = Math.ceil(this.lengths[seq]! / P); p < Math.ceil(end / P); p++) {
      for (let h = 0; h < this.kvOptions.kvHeads; h++) this.allocate(seq, h, p)
    }
    this.lengths[seq] = end
    this.dirty = true
  }

  /** Page numbers (in pool order) of sequence `seq`, KV head `head`. */
  pageNumbers(seq: number, head: number): Uint32Array {
    this.checkSeq(seq)
    const n = Math.ceil(this.lengths[seq]! / this.layout.pageTokens)
    const from = (seq * this.kvOptions.kvHeads + head) * this.maxPages
    return this.table.slice(from, from + n)
  }

  /** Empties sequence `seq` and returns its pages to the free list. */
  reset(seq: number): void {
    this.checkSeq(seq)
    const H = this.kvOptions.kvHeads
    for (let i = seq * H * this.maxPages; i < (seq + 1) * H * this.maxPages; i++) {
      const page = this.owned[i]!
      if (page >= 0) this.free.push(page)
      this.owned[i] = -1
    }
    this.lengths[seq] = 0
    this.dirty = true
  }

  /** Releases the GPU buffers; later calls throw. */
  destroy(): void {
    this.destroyed = true
    for (const b of [this.pool, this.pageTable, this.lengthBuffer]) b.destroy()
  }

  /** Uploads the page table and lengths if they changed. */
  protected flush(): void {
    if (!this.dirty) return
    this.device.queue.writeBuffer(this.pageTable, 0, this.table)
    this.device.queue.writeBuffer(this.lengthBuffer, 0, new Uint32Array(this.lengths))
    this.dirty = false
  }

  protected checkAlive(): void {
    if (this.destroyed) throw new Error(`${WHERE}: used after destroy()`)
  }

  private checkSeq(seq: number): void {
    if (!Number.isInteger(seq) || seq < 0 || seq >= this.batch) {
      throw new RangeError(`${WHERE}: seq must be an integer in 0..${this.batch - 1}, got ${seq}`)
    }
  }

  private allocate(seq: number, head: number, pageIndex: number): void {
    const i = (seq * this.kvOptions.kvHeads + head) * this.maxPages + pageIndex
    const page = this.free.pop()
    if (page === undefined) throw new RangeError(`${WHERE}: out of pages`)
    this.owned[i] = page
    this.table[i] = page
  }

  private writePage(seq: number, head: number, pageIndex: number, tokens: number): void {
    const { headDim: D, kvHeads: H } = this.kvOptions
    const P = this.layout.pageTokens
    const tail = this.tails[seq * H + head]!
    encodePage(this.layout, tail.subarray(0, P * D), tail.subarray(P * D), tokens, this.page)
    const page = this.table[(seq * H + head) * this.maxPages + pageIndex]!
    this.device.queue.writeBuffer(this.pool, page * this.layout.pageWords * 4, this.page)
  }
}
