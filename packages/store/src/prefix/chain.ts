import { Fnv1a64 } from '../format/fnv1a64.js'
import { identityBytes } from '../format/header.js'
import { identityHex } from '../format/identity.js'

const encoder = new TextEncoder()

/**
 * The keys of a prompt's chunk boundaries: a hash chain over (model identity, pipeline spec, token ids so
 * far). Key `k` names the state after the first `k · chunkTokens` tokens; it depends on every token before
 * the boundary, so two prompts share a key only when they share the whole prefix (up to a 64-bit hash
 * collision, which the prefix cache catches by comparing the stored token ids).
 *
 * @example
 * prefixKeys(identity, 'kivi:bits=4', tokens, 256) // one key per full chunk of 256 tokens
 */
export function prefixKeys(
  identity: Uint8Array | string,
  pipeline: string,
  tokens: ArrayLike<number>,
  chunkTokens: number,
): string[] {
  if (!Number.isInteger(chunkTokens) || chunkTokens < 1)
    throw new RangeError(`@kv/store: chunkTokens must be a positive integer, got ${chunkTokens}`)
  const id = identityBytes(identity)
  let link = new Fnv1a64()
    .update(new Uint8Array([id.length & 0xff, id.length >> 8]))
    .update(id)
    .update(encoder.encode(pipeline))
    .digest()
  const keys: string[] = []
  const chunk = new Int32Array(chunkTokens)
  const chunkBytes = new Uint8Array(chunk.buffer)
  for (let end = chunkTokens; end <= tokens.length; end += chunkTokens) {
    for (let i = 0; i < chunkTokens; i++) chunk[i] = tokens[end - chunkTokens + i] as number
    link = new Fnv1a64().update(link).update(chunkBytes).digest()
    keys.push(`p${identityHex(link)}-${end}`)
  }
  return keys
}
