import { rmsNorm } from '@kv/tensor'
import type { Model } from './model.js'

/** Next-token logits `[vocab]` of one hidden state: final RMSNorm, then the (tied) output projection. */
export function finalLogits(model: Model, hidden: Float32Array): Float32Array {
  const { hiddenSize, vocabSize, rmsNormEps } = model.config
  const normed = new Float32Array(hiddenSize)
  rmsNorm(hidden, model.weights.finalNorm, normed, 1, hiddenSize, rmsNormEps)
  const logits = new Float32Array(vocabSize)
  model.lmHead.gemv(normed, logits)
  return logits
}

/** Logits `[rows, vocab]` of `rows` hidden states. */
export function finalLogitsRows(model: Model, hidden: Float32Array, rows: number): Float32Array {
  const { hiddenSize, vocabSize, rmsNormEps } = model.config
  const normed = new Float32Array(rows * hiddenSize)
  rmsNorm(hidden, model.weights.finalNorm, normed, rows, hiddenSize, rmsNormEps)
  const logits = new Float32Array(rows * vocabSize)
  model.lmHead.matmulTransB(normed, rows, logits)
  return logits
}
