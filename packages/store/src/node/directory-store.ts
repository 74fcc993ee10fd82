import { randomBytes } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { type FileHandle, open, readdir, rename, stat, unlink, utimes } from 'node:fs/promises'
import { join } from 'node:path'
import type { ChunkSource } from '../format/chunk-reader.js'
import { crc32Update } from '../format/crc32.js'
import { concatChunks } from '../format/io.js'
import {
  type KVStore,
  type PutOptions,
  STREAM_CHUNK_BYTES,
  type StoreFault,
  type StoreOptions,
  ttlOf,
} from '../stores/kv-store.js'
import { ENTRY_HEAD_BYTES, entryExpiry, entryHead, parseEntryHead } from './entry-file.js'

const TEMP_PREFIX = '.tmp-'
const ENTRY_SUFFIX = '.kve'
/** Temp files older than this are left-overs of a crashed writer and are removed when a store opens. */
const STALE_TEMP_MS = 10 * 60_000

/** Options of `DirectoryStore`. */
export interface DirectoryStoreOptions extends StoreOptions {
  /** Milliseconds now (default `Date.now`). */
  readonly now?: () => number
  /** fsync each entry before it becomes visible (default true): off only for throwaway caches. */
  readonly fsync?: boolean
}

/** The file name of a key: itself when it is short and safe, else `x` + the hex of its UTF-8. */
export function entryFileName(key: string): string {
  if (/^[A-Za-z0-9_-]{1,200}$/.test(key)) return `k${key}${ENTRY_SUFFIX}`
  const hex = Buffer.from(key, 'utf8').toString('hex')
  if (hex.length > 240) throw new RangeError(`@kv/store: key of ${hex.length / 2} UTF-8 bytes, at most 120`)
  return `x${hex}${ENTRY_SUFFIX}`
}

/**
 * A store in a directory, one file per entry, shared safely by several processes. A put writes a temp
 * file, fsyncs it and renames it over the entry (atomic on POSIX file systems): a crash mid-write leaves
 * at most a temp file that no reader opens, never a readable corrupt entry. Entries carry a CRC-32 and
 * their expiry; a get refreshes the file's mtime, which is the LRU order for the byte budget.
 *
 * @example
 * import { DirectoryStore } from '@kv/store/node'
 * const store = new DirectoryStore('/var/cache/kv', { maxBytes: 4 << 30 })
 */
export class DirectoryStore implements KVStore {
  private readonly now: () => number

  constructor(
    readonly directory: string,
    private readonly options: DirectoryStoreOptions = {},
  ) {
    this.now = options.now ?? Date.now
    mkdirSync(directory, { recursive: true })
  }

  private fault(operation: StoreFault['operation'], key: string, error: unknown): void {
    this.options.onFault?.({ operation, key, error })
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    // The streamed read, collected: one place checks the head, the expiry and the checksum.
    const source = await this.getStream(key)
    if (source === undefined) return undefined
    try {
      return await concatChunks(source)
    } catch (error) {
      this.fault('get', key, error)
      return undefined
    }
  }

  /**
   * The entry as 1 MiB chunks read from its file as they are consumed. The file stays open while it is
   * read, so a concurrent replace (a rename over it) cannot mix two versions; its checksum is checked at
   * the end, and a mismatch throws (and removes the entry).
   */
  async getStream(key: string): Promise<ChunkSource | undefined> {
    const path = join(this.directory, entryFileName(key))
    let handle: FileHandle
    try {
      handle = await open(path, 'r')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') this.fault('get', key, error)
      return undefined
    }
    let entry: ReturnType<typeof parseEntryHead>
    let size: number
    try {
      const head = new Uint8Array(ENTRY_HEAD_BYTES)
      const { bytesRead } = await handle.read(head, 0, ENTRY_HEAD_BYTES, 0)
      entry = parseEntryHead(head.subarray(0, bytesRead), this.now())
      size = (await handle.stat()).size
    } catch (error) {
      await handle.close().catch(() => undefined)
      this.fault('get', key, error)
      return undefined
    }
    if (!('crc' in entry)) {
      await handle.close().catch(() => undefined)
      if ('corrupt' in entry)
        this.fault('get', key, new Error(`@kv/store: entry ${path} is corrupt (${entry.corrupt}); removed`))
      await unlink(path).catch(() => undefined)
      return undefined
    }
    const now = new Date(this.now())
    await utimes(path, now, now).catch(() => undefined)
    return streamEntry(handle, path, size, entry.crc)
  }

  async put(key: string, value: Uint8Array | ChunkSource, options?: PutOptions): Promise<boolean> {
    const ttl = ttlOf(options, this.options)
    const target = join(this.directory, entryFileName(key))
    const temp = join(this.directory, `${TEMP_PREFIX}${process.pid}-${randomBytes(6).toString('hex')}`)
    let handle: FileHandle | undefined
    try {
      handle = await open(temp, 'wx')
      let crc = 0
      let length = 0
      let position = ENTRY_HEAD_BYTES
      const chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array> =
        value instanceof Uint8Array ? [value] : value
      for await (const chunk of chunks) {
        crc = crc32Update(crc, chunk)
        length += chunk.length
        if (length > (this.options.maxBytes ?? Number.POSITIVE_INFINITY))
          throw new RangeError('over the budget')
        await handle.write(chunk, 0, chunk.length, position)
        position += chunk.length
      }
      await handle.write(entryHead(crc, ttl === undefined ? 0 : this.now() + ttl), 0, ENTRY_HEAD_BYTES, 0)
      const written = new Date(this.now())
      await handle.utimes(written, written) // the LRU clock is the store's clock, as in get
      if (this.options.fsync !== false) await handle.sync()
      await handle.close()
      handle = undefined
      await rename(temp, target)
      if (this.options.fsync !== false) await this.syncDirectory()
      if (this.options.maxBytes !== undefined) await this.evict(target)
      return true
    } catch (error) {
      await handle?.close().catch(() => undefined)
      await unlink(temp).catch(() => undefined)
      if (!(error instanceof RangeError)) this.fault('put', key, error)
      return false
    }
  }

  /** Makes the rename durable (the directory entry itself); not every platform can open a directory. */
  private async syncDirectory(): Promise<void> {
    const handle = await open(this.directory, 'r').catch(() => undefined)
    await handle?.sync().catch(() => undefined)
    await handle?.close()
  }

  /** Deletes the least recently used entries (oldest mtime) until the values fit in `maxBytes`. */
  private async evict(keep: string): Promise<void> {
    const budget = this.options.maxBytes ?? Number.POSITIVE_INFINITY
    const entries: { path: string; bytes: number; used: number }[] = []
    let total = 0
    for (const name of await readdir(this.directory)) {
      if (!name.endsWith(ENTRY_SUFFIX)) continue
      const path = join(this.directory, name)
      const info = await stat(path).catch(() => undefined)
      if (info === undefined) continue
      const bytes = Math.max(0, info.size - ENTRY_HEAD_BYTES)
      total += bytes
      entries.push({ path, bytes, used: path === keep ? Number.POSITIVE_INFINITY : info.mtimeMs })
    }
    entries.sort((a, b) => a.used - b.used)
    for (const entry of entries) {
      if (total <= budget) break
      if (entry.path === keep) continue
      await unlink(entry.path).then(
        () => {
          total -= entry.bytes
        },
        (error: unknown) => this.fault('evict', entry.path, error),
      )
    }
  }

  async delete(key: string): Promise<boolean> {
    try {
      await unlink(join(this.directory, entryFileName(key)))
      return true
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') this.fault('delete', key, error)
      return false
    }
  }

  async has(key: string): Promise<boolean> {
    const path = join(this.directory, entryFileName(key))
    const head = new Uint8Array(ENTRY_HEAD_BYTES)
    const handle = await open(path, 'r').catch(() => undefined)
    if (handle === undefined) return false
    try {
      const { bytesRead } = await handle.read(head, 0, ENTRY_HEAD_BYTES, 0)
      const expiry = entryExpiry(head.subarray(0, bytesRead))
      return expiry === 0 || expiry > this.now()
    } catch (error) {
      this.fault('has', key, error)
      return false
    } finally {
      await handle.close()
    }
  }

  /** Removes temp files older than ten minutes (left by writers that crashed) and expired entries. */
  async sweep(): Promise<number> {
    let removed = 0
    const now = this.now()
    for (const name of await readdir(this.directory)) {
      const path = join(this.directory, name)
      if (name.startsWith(TEMP_PREFIX)) {
        const info = await stat(path).catch(() => undefined)
        if (info !== undefined && now - info.mtimeMs > STALE_TEMP_MS)
          removed += await unlink(path).then(
            () => 1,
            () => 0,
          )
      } else if (name.endsWith(ENTRY_SUFFIX)) {
        const handle = await open(path, 'r').catch(() => undefined)
        if (handle === undefined) continue
        const head = new Uint8Array(ENTRY_HEAD_BYTES)
        const { bytesRead } = await handle.read(head, 0, ENTRY_HEAD_BYTES, 0).finally(() => handle.close())
        const expiry = entryExpiry(head.subarray(0, bytesRead))
        if (expiry !== 0 && !(expiry > now))
          removed += await unlink(path).then(
            () => 1,
            () => 0,
          )
      }
    }
    return removed
  }

  async close(): Promise<void> {}
}

/** The value of an open entry file, chunk by chunk, its CRC checked at the end; closes the file. */
async function* streamEntry(
  handle: FileHandle,
  path: string,
  size: number,
  expected: number,
): AsyncGenerator<Uint8Array> {
  try {
    let crc = 0
    for (let at = ENTRY_HEAD_BYTES; at < size; ) {
      const chunk = new Uint8Array(Math.min(STREAM_CHUNK_BYTES, size - at))
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, at)
      if (bytesRead === 0) throw new Error(`@kv/store: entry ${path} ended at byte ${at} of ${size}`)
      const piece = chunk.subarray(0, bytesRead)
      crc = crc32Update(crc, piece)
      at += bytesRead
      yield piece
    }
    if (crc !== expected) {
      await unlink(path).catch(() => undefined)
      throw new Error(`@kv/store: entry ${path} is corrupt (value checksum mismatch); removed`)
    }
  } finally {
    await handle.close().catch(() => undefined)
  }
}
