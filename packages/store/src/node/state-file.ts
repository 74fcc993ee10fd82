import { randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { open, rename, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { type ReadOptions, type ReadResult, readState } from '../format/decode.js'
import { type EncodeOptions, encodeState } from '../format/encode.js'
import type { StateHeaderInput } from '../format/header.js'

/**
 * Writes a cache state to a file as it is encoded (no whole-file buffer), atomically: a temp file beside
 * it, fsync, rename. A crash leaves the previous file or none, never a partial one. Returns the bytes written.
 *
 * @example
 * await writeStateFile('chat.kvs', cache.saveState(), { identity, pipeline: 'kivi:bits=4' })
 */
export async function writeStateFile(
  path: string,
  state: unknown,
  header: StateHeaderInput,
  options: EncodeOptions = {},
): Promise<number> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}-${randomBytes(6).toString('hex')}.tmp`)
  const handle = await open(temp, 'wx')
  let bytes = 0
  try {
    for (const chunk of encodeState(state, header, options)) {
      await handle.write(chunk, 0, chunk.length, bytes)
      bytes += chunk.length
    }
    await handle.sync()
    await handle.close()
    await rename(temp, path)
    return bytes
  } catch (error) {
    await handle.close().catch(() => undefined)
    await unlink(temp).catch(() => undefined)
    throw error
  }
}

/**
 * Reads a cache state from a file as a stream (64 KiB reads), checked like `readState`.
 *
 * @example
 * const { state } = await readStateFile('chat.kvs', { expect: { identity, pipeline: 'kivi:bits=4' } })
 * cache.loadState(state)
 */
export function readStateFile<State = unknown>(
  path: string,
  options: ReadOptions = {},
): Promise<ReadResult<State>> {
  return readState<State>(createReadStream(path, { highWaterMark: 64 * 1024 }), options)
}
