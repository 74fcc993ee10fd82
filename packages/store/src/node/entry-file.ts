import { crc32Update } from '../format/crc32.js'

/**
 * An entry file of the directory store: a 16-byte head, then the value. The head holds "KVE1", the
 * value's CRC-32 and its expiry (milliseconds since 1970, 0 for none), so a torn or damaged file (a disk
 * that lied about fsync) reads as a miss, never as wrong bytes.
 */
export const ENTRY_HEAD_BYTES = 16
const ENTRY_MAGIC = 0x3145564b // "KVE1" little-endian

export function entryHead(crc: number, expiresAt: number): Uint8Array {
  const head = new Uint8Array(ENTRY_HEAD_BYTES)
  const view = new DataView(head.buffer)
  view.setUint32(0, ENTRY_MAGIC, true)
  view.setUint32(4, crc, true)
  view.setFloat64(8, expiresAt, true)
  return head
}

/** The value of an entry file's bytes, 'expired', or a reason it is unreadable. */
export function parseEntry(
  file: Uint8Array,
  now: number,
): { value: Uint8Array } | { expired: true } | { corrupt: string } {
  if (file.length < ENTRY_HEAD_BYTES) return { corrupt: `${file.length} bytes, shorter than the entry head` }
  const view = new DataView(file.buffer, file.byteOffset, ENTRY_HEAD_BYTES)
  if (view.getUint32(0, true) !== ENTRY_MAGIC) return { corrupt: 'no entry magic' }
  const expiresAt = view.getFloat64(8, true)
  if (expiresAt !== 0 && expiresAt <= now) return { expired: true }
  const value = file.subarray(ENTRY_HEAD_BYTES)
  if (crc32Update(0, value) !== view.getUint32(4, true)) return { corrupt: 'value checksum mismatch' }
  return { value }
}

/** The expiry in an entry head (0: none), or NaN when the head is not one. */
export function entryExpiry(head: Uint8Array): number {
  if (head.length < ENTRY_HEAD_BYTES) return Number.NaN
  const view = new DataView(head.buffer, head.byteOffset, ENTRY_HEAD_BYTES)
  return view.getUint32(0, true) === ENTRY_MAGIC ? view.getFloat64(8, true) : Number.NaN
}

/** An entry head alone (for streaming reads): the value's CRC-32, 'expired', or a reason it is unreadable. */
export function parseEntryHead(
  head: Uint8Array,
  now: number,
): { crc: number } | { expired: true } | { corrupt: string } {
  const expiry = entryExpiry(head)
  if (Number.isNaN(expiry)) return { corrupt: `no entry head (${head.length} bytes)` }
  if (expiry !== 0 && expiry <= now) return { expired: true }
  return { crc: new DataView(head.buffer, head.byteOffset, ENTRY_HEAD_BYTES).getUint32(4, true) }
}
