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

/** A long shared document (held-out text) and short questions after it (other held-out text). */
export async function workload(model: Model, documentTokens: number, question: number): Promise<Int32Array> {
  const stream = await heldOutTokens(requireTokenizer(model, 'demo'), model.config.bosTokenId)
  const document = stream.subarray(50_000, 50_000 + documentTokens)
  const asked = stream.subarray(60_000 + question * 48, 60_000 + question * 48 + 32)
  const prompt = new Int32Array(document.length + asked.length)
  prompt.set(document)
  prompt.set(asked, document.length)
  return prompt
}
