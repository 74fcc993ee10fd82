import { buildPipeline, heldOutTokens } from '@kv/eval'
import { type Model, requireTokenizer } from '@kv/runtime'
import { loadModel } from '@kv/runtime/node'
import { beforeAll, describe, expect, it } from 'vitest'
import { MemoryStore, modelIdentity, PrefixCache } from '../src/index.js'

let model: Model
let stream: Int32Array
beforeAll(async () => {
  model = await loadModel()
  stream = await heldOutTokens(requireTokenizer(model, 'prefix'), model.config.bosTokenId)
}, 60_000)

function sameBytes(a: Float32Array, b: Float32Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  )
}

/** A shared 96-token document, then two different 20-token questions; chunks of 32 tokens. */
describe('PrefixCache on the embedded model: warm prompts give the cold logits, bit for bit', () => {
  for (const pipeline of [
    'full',
    'kivi:bits=4,residual=32',
    'streaming:sinks=4,window=64',
    'h2o:heavyTokens=24,recentTokens=24',
  ]) {
    it(pipeline, async () => {
      const document = stream.subarray(70_000, 70_096)
      const prompt = (question: number) => {
        const out = new Int32Array(116)
        out.set(document)
        out.set(stream.subarray(71_000 + question * 50, 71_000 + question * 50 + 20), 96)
        return out
      }
      const options = { identity: modelIdentity(model.config), pipeline, chunkTokens: 32 }
      const shared = new PrefixCache(new MemoryStore(), options)
      const first = await shared.prefill(model, model.createCache(buildPipeline(model, pipeline)), prompt(0))
      expect([first.restoredTokens, first.storedChunks]).toEqual([0, 3])
      const warm = await shared.prefill(model, model.createCache(buildPipeline(model, pipeline)), prompt(1))
      expect(warm.restoredTokens).toBe(96)
      const cold = await new PrefixCache(new MemoryStore(), options).prefill(
        model,
        model.createCache(buildPipeline(model, pipeline)),
        prompt(1),
      )
      expect(cold.restoredTokens).toBe(0)
      expect(sameBytes(warm.logits, cold.logits)).toBe(true)
    })
  }
})
