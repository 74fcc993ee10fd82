/** log-softmax of logits, in float64. */
export function logSoftmax(logits: ArrayLike<number>): Float64Array {
  let max = -Infinity
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]!)
  let sum = 0
  for (let i = 0; i < logits.length; i++) sum += Math.exp(logits[i]! - max)
  const shift = max + Math.log(sum)
  const out = new Float64Array(logits.length)
  for (let i = 0; i < logits.length; i++) out[i] = logits[i]! - shift
  return out
}

/** KL(p ‖ q) in nats from two log-distributions of the same length. */
export function klDivergence(logP: Float64Array, logQ: Float64Array): number {
  if (logP.length !== logQ.length)
    throw new RangeError(`klDivergence: ${logP.length} vs ${logQ.length} entries`)
  let kl = 0
  for (let i = 0; i < logP.length; i++) {
    const p = Math.exp(logP[i]!)
    if (p > 0) kl += p * (logP[i]! - logQ[i]!)
  }
  return Math.max(0, kl)
}

/** Index of the largest value (the first one on ties), as greedy decoding picks it. */
export function argmax(values: ArrayLike<number>): number {
  let best = 0
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i
  return best
}

/** One scored held-out token: the true token's negative log-likelihood under each cache, their KL, top-1. */
export interface ScoredToken {
  readonly nllFull: number
  readonly nllComposed: number
  readonly kl: number
  readonly top1: boolean
}

/** Scores one position: `target` is the held-out token that follows. */
export function scoreToken(
  full: ArrayLike<number>,
  composed: ArrayLike<number>,
  target: number,
): ScoredToken {
  const logFull = logSoftmax(full)
  const logComposed = logSoftmax(composed)
  return {
    nllFull: -logFull[target]!,
    nllComposed: -logComposed[target]!,
    kl: klDivergence(logFull, logComposed),
    top1: argmax(full) === argmax(composed),
  }
}

/** The summary of scored tokens: perplexity of each cache, their ratio, mean KL, top-1 agreement. */
export interface ScoreSummary {
  readonly tokens: number
  readonly perplexityFull: number
  readonly perplexityComposed: number
  readonly perplexityRatio: number
  readonly meanKl: number
  readonly top1: number
}

export function summarize(scored: readonly ScoredToken[]): ScoreSummary {
  const n = scored.length
  if (n === 0) throw new RangeError('summarize: no scored tokens')
  let nllFull = 0
  let nllComposed = 0
  let kl = 0
  let agree = 0
  for (const s of scored) {
    nllFull += s.nllFull
    nllComposed += s.nllComposed
    kl += s.kl
    if (s.top1) agree++
  }
  const perplexityFull = Math.exp(nllFull / n)
  const perplexityComposed = Math.exp(nllComposed / n)
  return {
    tokens: n,
    perplexityFull,
    perplexityComposed,
    perplexityRatio: perplexityComposed / perplexityFull,
    meanKl: kl / n,
    top1: agree / n,
  }
}
