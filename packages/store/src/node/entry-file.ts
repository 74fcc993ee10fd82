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

/** The expiry in an entry head (0: none), or NaN when the head is not one. */
export function entryExpiry(head: Uint8Array): number {
  if (head.length < ENTRY_HEAD_BYTES) return Number.NaN
  const view = new DataView(head.buffer, head.byteOffset, ENTRY_HEAD_BYTES)
  return view.getUint32(0, true) === ENTRY_MAGIC ? view.getFloat64(8, true) : Number.NaN
}

/** An entry file's head: the value's CRC-32 (checked when the value has been read), 'expired', or a reason it is unreadable. */
export function parseEntryHead(
  head: Uint8Array,
  now: number,
): { crc: number } | { expired: true } | { corrupt: string } {
  const expiry = entryExpiry(head)
  if (Number.isNaN(expiry)) return { corrupt: `no entry head (${head.length} bytes)` }
  if (expiry !== 0 && expiry <= now) return { expired: true }
  return { crc: new DataView(head.buffer, head.byteOffset, ENTRY_HEAD_BYTES).getUint32(4, true) }
}
