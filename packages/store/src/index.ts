/**
 * @kv/store: save, restore and share compressed KV caches. A versioned, checksummed, streaming binary
 * format for `cache.saveState()` (platform-neutral: Node and browsers, Blob/ArrayBuffer/OPFS) and stores
 * behind one interface. The directory store is in `@kv/store/node`, the Redis store in `@kv/store/redis`.
 */

export type { BufferBase } from './format/base-buffers.js'
export { BufferChain, digestBytes } from './format/base-buffers.js'
export type { ChunkSource } from './format/chunk-reader.js'
export { FORMAT_VERSION, MAGIC } from './format/constants.js'
export { crc32Update } from './format/crc32.js'
export type { ExpectedHeader, ReadOptions, ReadResult } from './format/decode.js'
export { readState, readStateHeader } from './format/decode.js'
export type { EncodeOptions } from './format/encode.js'
export { DEFAULT_MAX_SECTION_BYTES, DEFAULT_SECTION_BYTES, encodeState } from './format/encode.js'
export type { FormatErrorLocation } from './format/errors.js'
export { StoreFormatError, StoreSaveError } from './format/errors.js'
export { Fnv1a64 } from './format/fnv1a64.js'
export type { HeaderParam, StateHeader, StateHeaderInput } from './format/header.js'
export { identityHex, modelIdentity } from './format/identity.js'
export type { ChunkSink } from './format/io.js'
export { chunksOf, chunksOfBytes, concatChunks, writeChunks } from './format/io.js'
export { prefixKeys } from './prefix/chain.js'
export type {
  PrefixCacheOptions,
  PrefixHit,
  PrefixPrefill,
  PromptRunner,
  StatefulCache,
} from './prefix/prefix-cache.js'
export { PrefixCache } from './prefix/prefix-cache.js'
export type { KVStore, PutOptions, StoreFault, StoreOptions } from './stores/kv-store.js'
export type { MemoryStoreOptions } from './stores/memory-store.js'
export { MemoryStore } from './stores/memory-store.js'
export { getState, putState } from './stores/state-entries.js'
