import { checkFinite, checkInteger, checkLength, checkQuery, dotAt } from '../validate.js'

/**
 * Softmax attention over a subset of the keys, kept in a form that merges exactly with other subsets:
 * `output` = Σ wᵢ vᵢ / Σ wᵢ with wᵢ = exp(sᵢ − max), `max` the largest logit sᵢ = scale·q·kᵢ and `sum` = Σ wᵢ.
 * The log-sum-exp of the subset's logits is `max + log(sum)`. An empty subset has max −∞, sum 0, output 0.
 */
export interface PartialAttention {
  readonly output: Float32Array
  readonly max: number
  readonly sum: number
}

/**
 * Attention of `query` over the rows `rows[0..count)` of `keys` and `values` (both `[*, headDim]`).
 *
 * @example
 * const part = partialAttention(q, keys, values, new Int32Array([0, 5, 9]), 3, 64, 1 / 8)
 * part.max + Math.log(part.sum) // log-sum-exp of the three logits
 */
export function partialAttention(
  query: Float32Array,
  keys: Float32Array,
  values: Float32Array,
  rows: Int32Array,
  count: number,
  headDim: number,
  scale: number,
): PartialAttention {
  const where = 'partialAttention'
  checkInteger(where, 'headDim', headDim, 1)
  checkInteger(where, 'count', count, 0)
  checkFinite(where, 'scale', scale)
  checkQuery(where, query, headDim)
  checkLength(where, 'rows', rows, count)
  const rowsHeld = Math.min(Math.floor(keys.length / headDim), Math.floor(values.length / headDim))
  for (let i = 0; i < count; i++) {
    const row = rows[i]!
    if (row < 0 || row >= rowsHeld) {
      throw new RangeError(`${where}: rows[${i}] must be in [0, ${rowsHeld}), got ${row}`)
    }
  }
  const output = new Float32Array(headDim)
  if (count === 0) return { output, max: Number.NEGATIVE_INFINITY, sum: 0 }
  const logits = new Float64Array(count)
  let max = Number.NEGATIVE_INFINITY
  for (let i = 0; i < count; i++) {
    const s = scale * dotAt(query, 0, keys, rows[i]! * headDim, headDim)
    if (!Number.isFinite(s))
      throw new RangeError(`${where}: logit of row ${rows[i]} must be finite, got ${s}`)
    logits[i] = s
    if (s > max) max = s
  }
  const acc = new Float64Array(headDim)
  let sum = 0
  for (let i = 0; i < count; i++) {
    const w = Math.exp(logits[i]! - max)
    sum += w
    const base = rows[i]! * headDim
    for (let j = 0; j < headDim; j++) acc[j]! += w * values[base + j]!
  }
  for (let j = 0; j < headDim; j++) output[j] = acc[j]! / sum
  return { output, max, sum }
}

/**
 * Merges two partial attentions over disjoint key sets into the partial attention over their union, by
 * log-sum-exp: the result equals attending to the union at once (up to rounding).
 *
 * @example
 * const full = mergePartials(partialAttention(q, k, v, staticRows, 512, 64, s), retrievedPart)
 * full.output // attention output over static ∪ retrieved
 */
export function mergePartials(a: PartialAttention, b: PartialAttention): PartialAttention {
  if (a.output.length !== b.output.length) {
    throw new RangeError(
      `mergePartials: outputs must have the same length, got ${a.output.length} and ${b.output.length}`,
    )
  }
  for (const [name, part] of [
    ['a', a],
    ['b', b],
  ] as const) {
    if (Number.isNaN(part.max) || part.max === Number.POSITIVE_INFINITY) {
      throw new RangeError(`mergePartials: ${name}.max must be finite or -Infinity, got ${part.max}`)
    }
    if (!(part.sum >= 0) || !Number.isFinite(part.sum)) {
      throw new RangeError(`mergePartials: ${name}.sum must be finite and >= 0, got ${part.sum}`)
    }
  }
  if (a.sum === 0) return copyPartial(b)
  if (b.sum === 0) return copyPartial(a)
  const max = Math.max(a.max, b.max)
  const wa = a.sum * Math.exp(a.max - max)
  const wb = b.sum * Math.exp(b.max - max)
  const sum = wa + wb
  const fa = wa / sum
  const fb = wb / sum
  const output = new Float32Array(a.output.length)
  for (let j = 0; j < output.length; j++) output[j] = fa * a.output[j]! + fb * b.output[j]!
  return { output, max, sum }
}

function copyPartial(p: PartialAttention): PartialAttention {
  return { output: Float32Array.from(p.output), max: p.max, sum: p.sum }
}
