/**
 * @kv/store/node: what needs Node.js built-ins. `DirectoryStore` keeps entries as files (atomic writes:
 * temp file, fsync, rename); `writeStateFile` / `readStateFile` stream one state to and from a file.
 */

export type { DirectoryStoreOptions } from './directory-store.js'
export { DirectoryStore, entryFileName } from './directory-store.js'
export { readStateFile, writeStateFile } from './state-file.js'
