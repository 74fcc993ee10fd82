import type { BufferChain } from '../format/base-buffers.js'

/**
 * A chain of prefix chunks read back or being written: the prompt's chunk keys, the buffers of its chunks so far, the number of
 * buffers after each chunk (`counts[k − 1]` after chunk `k`), and the last chunk's nonce.
 */
export interface ChainCursor {
  /** The keys of the prompt's chunks (`prefixKeys`), computed once per prompt. */
  readonly keys: readonly string[]
  readonly buffers: BufferChain
  readonly counts: number[]
  readonly nonces: string[]
}

/** One stored chunk: its own token ids, then the cache state after it or only its shared part. */
export interface StoredChunk<State> {
  readonly tokens: Int32Array
  /** The whole state (a restorable chunk). */
  readonly cache?: State
  /** What later states refer to (`sharedPart`), in a chunk that is not restorable by itself. */
  readonly shared?: unknown
}

/** A restorable state stored beside chunk `k` of a chain (its key ends in `:state`). */
export interface StoredBoundary<State> {
  readonly cache: State
}

/**
 * The part of a `KVCache` state that the states after it refer to: the codec's encoded blocks of every
 * head (never changed once made). Anything else is the boundary's own (the float32 window, statistics,
 * plug-in state). A state of another shape is shared whole.
 */
export function encodedBlocks(state: unknown): unknown {
  const heads = (state as { heads?: unknown } | null)?.heads
  if (!Array.isArray(heads)) return state
  return heads.map((layer: unknown) =>
    Array.isArray(layer) ? layer.map((head: { blocks?: unknown } | null) => head?.blocks ?? []) : [],
  )
}

/**
 * `tree` without the parts a chain already holds: a typed array whose bytes the chain stores (by identity,
 * unchanged) is dropped, and so is an array or object left with nothing else. A chunk then carries only
 * the blocks made since the chunk before (their records too, not only their bytes).
 */
export function withoutStored(tree: unknown, chain: BufferChain): unknown {
  const prune = (value: unknown): unknown => {
    if (ArrayBuffer.isView(value)) {
      const end = value.byteOffset + value.byteLength
      return chain.find(value.buffer, value.byteOffset - (value.byteOffset % 8), end) ? undefined : value
    }
    if (Array.isArray(value)) {
      const kept = value.map(prune)
      return kept.some((item) => item !== undefined) ? kept : undefined
    }
    if (value !== null && typeof value === 'object') {
      const kept = Object.entries(value).map(([key, item]) => [key, prune(item)] as const)
      if (!kept.some(([, item]) => item !== undefined && (typeof item === 'object' || item === null)))
        return undefined
      return Object.fromEntries(kept)
    }
    return value
  }
  return prune(tree) ?? null
}

/** Checks that a chunk read is chunk `k` of the chain read so far, written against exactly its buffers. */
export function checkLink(
  params: Readonly<Record<string, unknown>>,
  k: number,
  n: number,
  chain: ChainCursor,
): void {
  if (params.chunk !== k || params.chunkTokens !== n)
    throw new Error(
      `holds chunk ${String(params.chunk)} of ${String(params.chunkTokens)} tokens, expected chunk ${k} of ${n}`,
    )
  if (params.parent !== (chain.nonces[k - 2] ?? '') || params.baseBuffers !== (chain.counts[k - 2] ?? 0))
    throw new Error(
      `chunk ${k} was written after another chunk ${k - 1} (rewritten since): the chain ends here`,
    )
  if (typeof params.nonce !== 'string' || params.nonce.length === 0)
    throw new Error(`chunk ${k} has no nonce`)
}

/** Checks that a boundary state was written against chunks 1..k of the chain read. */
export function checkBoundary(
  params: Readonly<Record<string, unknown>>,
  k: number,
  chain: ChainCursor,
): void {
  if (
    params.boundary !== k ||
    params.parent !== chain.nonces[k - 1] ||
    params.baseBuffers !== chain.counts[k - 1]
  )
    throw new Error(`the state at chunk ${k} was written against another version of the chain`)
}

export function randomNonce(): string {
  const bytes = new Uint8Array(8)
  globalThis.crypto.getRandomValues(bytes)
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
}

export function slice(tokens: ArrayLike<number>, from: number, to: number): Int32Array {
  const out = new Int32Array(to - from)
  for (let i = from; i < to; i++) out[i - from] = tokens[i] as number
  return out
}

export function sameTokens(stored: unknown, tokens: ArrayLike<number>, from: number, count: number): boolean {
  if (!(stored instanceof Int32Array) || stored.length !== count) return false
  for (let i = 0; i < count; i++) if (stored[i] !== tokens[from + i]) return false
  return true
}
