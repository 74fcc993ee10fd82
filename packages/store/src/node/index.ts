/**
 * @kv/store/node: stores that need Node.js built-ins. `DirectoryStore` keeps entries as files (atomic
 * writes: temp file, fsync, rename).
 */

export type { DirectoryStoreOptions } from './directory-store.js'
export { DirectoryStore, entryFileName } from './directory-store.js'
