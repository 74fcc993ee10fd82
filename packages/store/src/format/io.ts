import type { ChunkSource } from './chunk-reader.js'

/** Anything with an (optionally async) `write(chunk)`: a WritableStream's writer, a FileSystemWritableFileStream. */
export interface ChunkSink {
  write(chunk: Uint8Array): unknown
}

/**
 * Writes chunks to a sink one at a time, awaiting each write (backpressure), e.g. an OPFS file's
 * `createWritable()` or `writableStream.getWriter()`.
 *
 * @example
 * const file = await (await navigator.storage.getDirectory()).getFileHandle('chat.kvs', { create: true })
 * const writable = await file.createWritable()
 * await writeChunks(encodeState(cache.saveState(), header), writable)
 * await writable.close()
 */
export async function writeChunks(chunks: ChunkSource, sink: ChunkSink): Promise<number> {
  let bytes = 0
  for await (const chunk of chunks) {
    await sink.write(chunk)
    bytes += chunk.length
  }
  return bytes
}

/** All chunks in one array (for small states, tests, or a store that takes whole values). */
export async function concatChunks(chunks: ChunkSource): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  let length = 0
  for await (const chunk of chunks) {
    parts.push(chunk)
    length += chunk.length
  }
  const out = new Uint8Array(length)
  let at = 0
  for (const part of parts) {
    out.set(part, at)
    at += part.length
  }
  return out
}

/**
 * The chunks of a web ReadableStream (`blob.stream()`, `fetch(...).body`, an OPFS file's stream), read
 * with a reader so it works where streams are not async-iterable (Safari).
 *
 * @example
 * const { state } = await readState(chunksOf(blob.stream()))
 */
export async function* chunksOf(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader()
  let complete = false
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) {
        complete = true
        return
      }
      yield value
    }
  } finally {
    if (!complete) await reader.cancel()
    reader.releaseLock()
  }
}

/** The bytes of an ArrayBuffer or Uint8Array as chunks of `chunkBytes` (views, no copy). */
export function* chunksOfBytes(
  bytes: Uint8Array | ArrayBuffer,
  chunkBytes = 1 << 20,
): Generator<Uint8Array, void, undefined> {
  const all = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes)
  for (let at = 0; at < all.length; at += chunkBytes) yield all.subarray(at, at + chunkBytes)
}
