import { buildPipeline, heldOutTokens } from '@kv/eval'
import { type Model, requireTokenizer } from '@kv/runtime'
import { loadModel } from '@kv/runtime/node'
import { beforeAll, describe, expect, it } from 'vitest'
import { concatChunks, encodeState, MemoryStore, modelIdentity, PrefixCache } from '../src/index.js'

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

  it('chunks are stored as deltas: each encoded block of a 6-chunk KIVI-4 prompt is stored once', async () => {
    const pipeline = 'kivi:bits=4,residual=32'
    const options = { identity: modelIdentity(model.config), pipeline, chunkTokens: 32 }
    const prefixes = new PrefixCache(new MemoryStore(), options)
    const prompt = stream.subarray(72_000, 72_000 + 6 * 32 + 1)
    const cold = await prefixes.prefill(model, model.createCache(buildPipeline(model, pipeline)), prompt)
    expect(cold.storedChunks).toBe(6)
    // Storing each boundary's whole state would store the blocks of boundary k again at k + 1, k + 2, ...
    let whole = 0
    let repeatedBlocks = 0
    for (let k = 1; k <= 6; k++) {
      const hit = await prefixes.lookup(prompt.subarray(0, k * 32 + 1))
      expect(hit?.tokens).toBe(k * 32)
      whole += (await concatChunks(encodeState(hit?.state, { identity: 'x', pipeline }))).length
      if (k < 6) repeatedBlocks += blockBytes(hit?.state)
    }
    expect(repeatedBlocks).toBeGreaterThan(0)
    // The chain stores them once: what whole states would store, less (nearly) all the repeats.
    expect(cold.storedBytes).toBeLessThan(whole - 0.95 * repeatedBlocks)
    expect(cold.storedBytes).toBeGreaterThan(whole - 1.05 * repeatedBlocks)
  })

  it("boundaries: 'last' stores a document's blocks once and one whole state, and restores it bit for bit", async () => {
    const pipeline = 'kivi:bits=4,residual=32'
    const options = { identity: modelIdentity(model.config), pipeline, chunkTokens: 32 }
    const document = stream.subarray(73_000, 73_000 + 6 * 32)
    const prompt = (question: number) => {
      const out = new Int32Array(6 * 32 + 10)
      out.set(document)
      out.set(stream.subarray(74_000 + question * 20, 74_000 + question * 20 + 10), 6 * 32)
      return out
    }
    const run = (prefixes: PrefixCache, question: number) =>
      prefixes.prefill(model, model.createCache(buildPipeline(model, pipeline)), prompt(question))
    const every = await run(new PrefixCache(new MemoryStore(), options), 0)
    const last = new PrefixCache(new MemoryStore(), { ...options, boundaries: 'last' })
    const cold = await run(last, 0)
    expect([cold.storedChunks, cold.restoredTokens]).toEqual([6, 0])
    // The last whole state, against which the chain is measured.
    const hit = await last.lookup(prompt(1))
    expect(hit?.tokens).toBe(6 * 32)
    const whole = (await concatChunks(encodeState(hit?.state, { identity: 'x', pipeline }))).length
    expect(cold.storedBytes).toBeLessThan(1.15 * whole)
    expect(cold.storedBytes).toBeLessThan(0.5 * every.storedBytes)
    const warm = await run(last, 1)
    expect([warm.restoredTokens, warm.storedChunks, warm.storedBytes]).toEqual([6 * 32, 0, 0])
    const reference = await run(new PrefixCache(new MemoryStore(), options), 1)
    expect(sameBytes(warm.logits, reference.logits)).toBe(true)
    // Only the last boundary is restorable: a prompt sharing 3 of the 6 chunks starts cold.
    expect(await last.lookup(prompt(0).subarray(0, 3 * 32 + 5))).toBeUndefined()
  })
})

/** Bytes of the encoded blocks of a cache state (every typed array under `heads[l][h].blocks`). */
function blockBytes(state: unknown): number {
  let bytes = 0
  const walk = (value: unknown): void => {
    if (ArrayBuffer.isView(value)) bytes += value.byteLength
    else if (value !== null && typeof value === 'object') for (const item of Object.values(value)) walk(item)
  }
  for (const layer of (state as { heads: { blocks: unknown }[][] }).heads)
    for (const head of layer) walk(head.blocks)
  return bytes
}
