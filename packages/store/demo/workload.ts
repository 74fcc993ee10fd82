import { heldOutTokens } from '@kv/eval'
import { type Model, requireTokenizer } from '@kv/runtime'
import { modelIdentity } from '../src/index.js'

/** The identity of a loaded model: its config and every weight tensor. */
export function identityOf(model: Model): Uint8Array {
  const { embedding, layers, finalNorm, lmHead } = model.weights
  const tensors = [
    embedding,
    ...layers.flatMap((l) => [l.inputNorm, l.q, l.k, l.v, l.o, l.postNorm, l.gate, l.up, l.down]),
  ]
  return modelIdentity(model.config, [...tensors, finalNorm, lmHead])
}

let stream: Promise<Int32Array> | undefined

/** Long documents (held-out text, `documentTokens` each) and 32-token questions after them (other held-out text). */
export async function prompt(
  model: Model,
  documentTokens: number,
  document: number,
  question: number,
): Promise<Int32Array> {
  stream ??= heldOutTokens(requireTokenizer(model, 'demo'), model.config.bosTokenId)
  const tokens = await stream
  const start = 50_000 + document * documentTokens
  const asked = 120_000 + question * 48
  const out = new Int32Array(documentTokens + 32)
  out.set(tokens.subarray(start, start + documentTokens))
  out.set(tokens.subarray(asked, asked + 32), documentTokens)
  return out
}
