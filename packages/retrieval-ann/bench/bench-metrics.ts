/** |found ∩ truth| / k, with a scratch set reused across calls. */
export function recallAt(found: Int32Array, truth: Int32Array, k: number): number {
  const wanted = new Set<number>()
  for (let i = 0; i < Math.min(k, truth.length); i++) wanted.add(truth[i]!)
  let hits = 0
  for (let i = 0; i < Math.min(k, found.length); i++) if (wanted.has(found[i]!)) hits++
  return hits / Math.min(k, truth.length)
}

/**
 * Share of the softmax (scale 1/√d, over all `n` keys) held by the rows `found`: the part of the attention
 * the retrieved keys can reproduce.
 */
export function attentionMass(
  keys: Float32Array,
  n: number,
  d: number,
  query: Float32Array,
  found: Int32Array,
): number {
  const scale = 1 / Math.sqrt(d)
  const logits = new Float64Array(n)
  let max = Number.NEGATIVE_INFINITY
  for (let r = 0; r < n; r++) {
    let s = 0
    for (let j = 0; j < d; j++) s += query[j]! * keys[r * d + j]!
    logits[r] = s * scale
    if (logits[r]! > max) max = logits[r]!
  }
  let total = 0
  for (let r = 0; r < n; r++) total += Math.exp(logits[r]! - max)
  let held = 0
  for (let i = 0; i < found.length; i++) held += Math.exp(logits[found[i]!]! - max)
  return held / total
}
