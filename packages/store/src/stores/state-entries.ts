import type { ChunkSource } from '../format/chunk-reader.js'
import { type ExpectedHeader, readState } from '../format/decode.js'
import { type EncodeOptions, encodeState } from '../format/encode.js'
import type { StateHeaderInput } from '../format/header.js'
import { chunksOfBytes } from '../format/io.js'
import type { KVStore, PutOptions, StoreFault } from './kv-store.js'

/**
 * Stores a cache state under `key` (a conversation to continue later, in this process or another),
 * encoded as it is written. False when the store did not keep it.
 *
 * @example
 * await putState(store, `chat:${id}`, cache.saveState(), { identity, pipeline }, { ttlMs: 3_600_000 })
 */
export function putState(
  store: KVStore,
  key: string,
  state: unknown,
  header: StateHeaderInput,
  options: PutOptions & EncodeOptions = {},
): Promise<boolean> {
  return store.put(key, encodeState(state, header, options), options)
}

/**
 * The state stored under `key`, checked against `expect` (model identity, pipeline), or undefined: a
 * miss, or an entry that cannot be used (corrupt, another model or pipeline), which `onFault` is told of.
 * Never throws because of what the store holds or because the store failed.
 *
 * @example
 * const state = await getState(store, `chat:${id}`, { identity, pipeline })
 * if (state) cache.loadState(state)
 */
export async function getState<State = unknown>(
  store: KVStore,
  key: string,
  expect: ExpectedHeader,
  onFault?: (fault: StoreFault) => void,
): Promise<State | undefined> {
  try {
    const source = await entrySource(store, key)
    if (source === undefined) return undefined
    return (await readState<State>(source, { expect })).state
  } catch (error) {
    onFault?.({ operation: 'get', key, error })
    return undefined
  }
}

/** A store entry as chunks: streamed where the store can (`getStream`), else its whole value. */
export async function entrySource(store: KVStore, key: string): Promise<ChunkSource | undefined> {
  if (store.getStream !== undefined) return store.getStream(key)
  const bytes = await store.get(key)
  return bytes === undefined ? undefined : chunksOfBytes(bytes)
}
