/** Bounds of a balancer factor, so that balanced keys stay finite and a dead channel cannot blow up. */
export const BALANCE_LIMIT = 2 ** 16

/**
 * MiKV's per-channel query/key balancer from the prompt of one head:
 * `b_c = sqrt(max_t |q_tc| / max_t |k_tc|)`, limited to `[2^-16, 2^16]`, 1 where either maximum is 0.
 * Keys are stored as `k_c · b_c` and queries read them as `q_c / b_c`, which leaves `q · k` unchanged
 * while evening out the channel ranges that per-token quantization shares one scale across.
 *
 * @example
 * const b = balancerFromPrompt(queries, 12, keys, 12, 64)
 */
export function balancerFromPrompt(
  queries: Float32Array,
  queryRows: number,
  keys: Float32Array,
  keyRows: number,
  headDim: number,
): Float32Array {
  const qMax = new Float64Array(headDim)
  const kMax = new Float64Array(headDim)
  for (let r = 0; r < queryRows; r++) {
    for (let c = 0; c < headDim; c++) qMax[c] = Math.max(qMax[c]!, Math.abs(queries[r * headDim + c]!))
  }
  for (let r = 0; r < keyRows; r++) {
    for (let c = 0; c < headDim; c++) kMax[c] = Math.max(kMax[c]!, Math.abs(keys[r * headDim + c]!))
  }
  const b = new Float32Array(headDim)
  for (let c = 0; c < headDim; c++) {
    const ratio = qMax[c]! > 0 && kMax[c]! > 0 ? Math.sqrt(qMax[c]! / kMax[c]!) : 1
    b[c] = Math.min(BALANCE_LIMIT, Math.max(1 / BALANCE_LIMIT, ratio))
  }
  return b
}
