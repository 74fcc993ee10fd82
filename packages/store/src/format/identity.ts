import { Fnv1a64 } from './fnv1a64.js'

const encoder = new TextEncoder()

/** JSON with object keys sorted at every level, so equal configs hash equally whatever their key order. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) return item
    const sorted: Record<string, unknown> = {}
    for (const key of Object.keys(item).sort()) sorted[key] = (item as Record<string, unknown>)[key]
    return sorted
  })
}

function asBytes(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength)
}

/**
 * The identity of a model for stored states: FNV-1a 64 over its config (canonical JSON) and then every
 * weight tensor's bytes in order (the length of each piece is hashed too, so pieces cannot shift).
 * Eight bytes; the same in Node and browsers. Not cryptographic: it tells models apart, it does not
 * defend against someone forging a file.
 *
 * @example
 * const identity = modelIdentity(config, [new Uint8Array(safetensorsBytes)])
 * encodeState(cache.saveState(), { identity, pipeline: 'kivi:bits=4' })
 */
export function modelIdentity(config: unknown, weights: Iterable<ArrayBufferView> = []): Uint8Array {
  const hash = new Fnv1a64().update(encoder.encode(canonicalJson(config) ?? 'undefined'))
  const length = new Uint8Array(8)
  const lengthView = new DataView(length.buffer)
  for (const piece of weights) {
    lengthView.setFloat64(0, piece.byteLength, true)
    hash.update(length).update(asBytes(piece))
  }
  return hash.digest()
}

/** An identity as lowercase hex, for logs and keys. */
export function identityHex(identity: Uint8Array): string {
  return Array.from(identity, (b) => b.toString(16).padStart(2, '0')).join('')
}
