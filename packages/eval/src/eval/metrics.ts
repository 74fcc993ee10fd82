/** Log-probabilities of `logits[offset … offset+vocab)` into `out` (stable). */
export function logSoftmax(
  logits: Float32Array,
  offset: number,
  vocab: number,
  out: Float32Array,
  outOffset = 0,
): void {
  let max = Number.NEGATIVE_INFINITY
  for (let j = 0; j < vocab; j++) if (logits[offset + j]! > max) max = logits[offset + j]!
  let sum = 0
  for (let j = 0; j < vocab; j++) sum += Math.exp(logits[offset + j]! - max)
  const logSum = max + Math.log(sum)
  for (let j = 0; j < vocab; j++) out[outOffset + j] = logits[offset + j]! - logSum
}

/** KL(p ‖ q) in nats of two log-probability rows. */
export function klDivergence(
  logP: Float32Array,
  pOffset: number,
  logQ: Float32Array,
  qOffset: number,
  vocab: number,
): number {
  let kl = 0
  for (let j = 0; j < vocab; j++) {
    const lp = logP[pOffset + j]!
    if (lp === Number.NEGATIVE_INFINITY) continue
    kl += Math.exp(lp) * (lp - logQ[qOffset + j]!)
  }
  return Math.max(0, kl)
}

/** Index of the largest entry of a row. */
export function argmax(row: Float32Array, offset: number, length: number): number {
  let best = 0
  for (let j = 1; j < length; j++) if (row[offset + j]! > row[offset + best]!) best = j
  return best
}

/**
 * Accumulates what a run scored against a reference run on the same tokens: mean negative
 * log-likelihood, KL(reference ‖ method) and top-1 agreement.
 */
export class ScoreAccumulator {
  private nll = 0
  private kl = 0
  private agree = 0
  count = 0
  private readonly row: Float32Array

  constructor(readonly vocab: number) {
    this.row = new Float32Array(vocab)
  }

  /** Scores one position: `logits` of the method, `reference` log-probs (or undefined), the true next token. */
  add(
    logits: Float32Array,
    offset: number,
    target: number,
    reference?: Float32Array,
    referenceOffset = 0,
  ): void {
    logSoftmax(logits, offset, this.vocab, this.row)
    this.nll -= this.row[target]!
    if (reference) {
      this.kl += klDivergence(reference, referenceOffset, this.row, 0, this.vocab)
      if (argmax(reference, referenceOffset, this.vocab) === argmax(this.row, 0, this.vocab)) this.agree++
    }
    this.count++
  }

  get meanNll(): number {
    return this.nll / this.count
  }

  get perplexity(): number {
    return Math.exp(this.meanNll)
  }

  get meanKl(): number {
    return this.kl / this.count
  }

  get top1(): number {
    return this.agree / this.count
  }
}
