import type { KVStore } from '../../src/index.js'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Key names for a test to pick from by slot: an entry's slot is its key's (the key is the entry's hash
 * tag), so `cluster.slotsOf(CANDIDATE_KEYS)` says where each would land. This spelling puts four or more
 * of them in some slots (CRC16 spreads `doc-${i}` too evenly for that).
 */
export const CANDIDATE_KEYS = Array.from({ length: 12_000 }, (_, i) => `chunk ${i} of doc`)
const LENGTHS = [0, 1, 3, 7, 17, 33, 65, 1_000, 4_097, 65_537]

function hashOf(key: string): number {
  let hash = 2_166_136_261
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 16_777_619) >>> 0
  return hash
}

/** The one value ever written under `key` (its length and bytes follow from the key): a wrong entry shows. */
export function valueFor(key: string): Uint8Array {
  const hash = hashOf(key)
  const out = new Uint8Array(LENGTHS[hash % LENGTHS.length] ?? 0)
  for (let i = 0; i < out.length; i++) out[i] = (hash + i * 131 + (i >>> 8)) & 0xff
  return out
}

/** Whether `got` is exactly `key`'s value. */
export function isValueOf(key: string, got: Uint8Array | undefined): boolean {
  const want = valueFor(key)
  return got !== undefined && got.length === want.length && got.every((byte, i) => byte === want[i])
}

/** What a loop of reads saw. */
export interface ReadTally {
  exact: number
  miss: number
  /** Bytes other than the key's value: must never happen. */
  wrong: number
  /** `get` threw: must never happen. */
  threw: number
  slowestMs: number
}

export const emptyTally = (): ReadTally => ({ exact: 0, miss: 0, wrong: 0, threw: 0, slowestMs: 0 })

/**
 * Reads `keys` round and round until `stop()`, tallying each result; `onExact` hears of each exact read
 * with the time it started.
 */
export async function readLoop(
  store: KVStore,
  keys: readonly string[],
  tally: ReadTally,
  stop: () => boolean,
  onExact: (key: string, startedAt: number) => void = () => undefined,
): Promise<void> {
  while (!stop()) {
    for (const key of keys) {
      const startedAt = Date.now()
      try {
        const got = await store.get(key)
        if (got === undefined) tally.miss++
        else if (isValueOf(key, got)) {
          tally.exact++
          onExact(key, startedAt)
        } else tally.wrong++
      } catch {
        tally.threw++
      }
      tally.slowestMs = Math.max(tally.slowestMs, Date.now() - startedAt)
      if (stop()) return
    }
    await sleep(1)
  }
}

/** Writes each of `keys` once (its one value) until `stop()`; `results` gets what each put returned. */
export async function writeLoop(
  store: KVStore,
  keys: readonly string[],
  results: Map<string, boolean | 'threw'>,
  stop: () => boolean,
): Promise<void> {
  for (const key of keys) {
    if (stop()) return
    try {
      results.set(key, await store.put(key, valueFor(key)))
    } catch {
      results.set(key, 'threw')
    }
    await sleep(5)
  }
}
