/**
 * Synthetic keys and queries that are out of distribution to each other, as RetrievalAttention observed in
 * LLMs: keys from a Gaussian mixture around μ_k with a decaying spectrum, queries from a Gaussian around a
 * shifted mean μ_q with a different spectrum. Seeded, so every run sees the same vectors.
 */
export interface SyntheticOptions {
  readonly keyCount: number
  readonly queryCount: number
  readonly sampleQueryCount: number
  readonly headDim: number
  /** Mixture components of the keys (1 = a single Gaussian). */
  readonly keyClusters: number
  /** |μ_q| in units of the keys' largest standard deviation. */
  readonly queryShift: number
  /** Query noise per channel ÷ key noise per channel (queries share the keys' spectrum). */
  readonly querySpread: number
  /** Factor on every query: leaves every ranking alone, sets how peaked the softmax is (logit range). */
  readonly queryScale: number
  readonly seed: number
}

export interface SyntheticData {
  readonly keys: Float32Array
  readonly queries: Float32Array
  readonly sampleQueries: Float32Array
}

/** Mulberry32 + Box–Muller: a private seeded normal generator for the bench. */
function normalGenerator(seed: number): () => number {
  let state = seed >>> 0
  const uniform = () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform())
}

/**
 * @example
 * const { keys, queries, sampleQueries } = syntheticHeads({ keyCount: 150_000, queryCount: 200,
 *   sampleQueryCount: 2000, headDim: 64, keyClusters: 64, queryShift: 3, querySpread: 0.5, queryScale: 16, seed: 7 })
 */
export function syntheticHeads(options: SyntheticOptions): SyntheticData {
  const {
    keyCount,
    queryCount,
    sampleQueryCount,
    headDim: d,
    keyClusters,
    queryShift,
    querySpread,
    queryScale,
    seed,
  } = options
  const normal = normalGenerator(seed)
  // A decaying spectrum: LLM keys and queries have a few large channels and a low effective rank.
  const keyStd = new Float64Array(d)
  const queryStd = new Float64Array(d)
  for (let j = 0; j < d; j++) {
    keyStd[j] = Math.exp(-j / 16)
    queryStd[j] = querySpread * keyStd[j]!
  }
  const keyMean = new Float64Array(d)
  const queryMean = new Float64Array(d)
  for (let j = 0; j < d; j++) keyMean[j] = 0.5 * normal()
  let norm = 0
  const direction = new Float64Array(d)
  for (let j = 0; j < d; j++) {
    direction[j] = normal()
    norm += direction[j]! * direction[j]!
  }
  for (let j = 0; j < d; j++) queryMean[j] = (queryShift * direction[j]!) / Math.sqrt(norm)
  const centers = new Float64Array(keyClusters * d)
  for (let c = 0; c < keyClusters; c++) {
    for (let j = 0; j < d; j++)
      centers[c * d + j] = keyMean[j]! + (keyClusters > 1 ? keyStd[j]! * normal() : 0)
  }
  const keys = new Float32Array(keyCount * d)
  const spread = keyClusters > 1 ? 0.5 : 1
  for (let i = 0; i < keyCount; i++) {
    const c = i % keyClusters
    for (let j = 0; j < d; j++) keys[i * d + j] = centers[c * d + j]! + spread * keyStd[j]! * normal()
  }
  const draw = (count: number) => {
    const out = new Float32Array(count * d)
    for (let i = 0; i < count; i++) {
      for (let j = 0; j < d; j++) out[i * d + j] = queryScale * (queryMean[j]! + queryStd[j]! * normal())
    }
    return out
  }
  return { keys, queries: draw(queryCount), sampleQueries: draw(sampleQueryCount) }
}
