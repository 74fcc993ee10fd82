/** |found ∩ truth| / min(k, |truth|). */
export function recallAt(found: Int32Array, truth: Int32Array, k: number): number {
  const wanted = new Set<number>()
  for (let i = 0; i < Math.min(k, truth.length); i++) wanted.add(truth[i]!)
  let hits = 0
  for (let i = 0; i < Math.min(k, found.length); i++) if (wanted.has(found[i]!)) hits++
  return hits / Math.min(k, truth.length)
}

function dot(query: Float32Array, keys: Float32Array, row: number, d: number): number {
  let s = 0
  for (let j = 0; j < d; j++) s += query[j]! * keys[row * d + j]!
  return s
}

/** Log-sum-exp of the logits `scale·q·k` over all `n` keys: computed once per query. */
export function logSumExp(
  keys: Float32Array,
  n: number,
  d: number,
  query: Float32Array,
  scale: number,
): number {
  let max = Number.NEGATIVE_INFINITY
  for (let r = 0; r < n; r++) max = Math.max(max, scale * dot(query, keys, r, d))
  let total = 0
  for (let r = 0; r < n; r++) total += Math.exp(scale * dot(query, keys, r, d) - max)
  return max + Math.log(total)
}

/**
 * Share of the softmax over all keys held by the rows `found` (ids = rows): the part of the attention the
 * retrieved keys can reproduce. `lse` comes from {@link logSumExp} with the same scale.
 */
export function attentionMass(
  keys: Float32Array,
  d: number,
  query: Float32Array,
  found: Int32Array,
  scale: number,
  lse: number,
): number {
  let held = 0
  for (let i = 0; i < found.length; i++) held += Math.exp(scale * dot(query, keys, found[i]!, d) - lse)
  return held
}
