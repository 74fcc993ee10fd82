import { buildPipeline, heldOutTokens } from '@kv/eval'
import { type Model, requireTokenizer } from '@kv/runtime'
import { loadModel } from '@kv/runtime/node'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  chunksOfBytes,
  concatChunks,
  encodeState,
  modelIdentity,
  readState,
  StoreFormatError,
} from '../src/index.js'

import { expectSameState } from './support/same-state.js'

/**
 * Every method of the registry, alone and composed, with settings at which it acts (encodes, evicts, merges,
 * indexes, skips) within a 200-token prompt and the 16 steps after it.
 */
const PIPELINES = [
  'full',
  'fp16',
  'kivi:bits=4,residual=32',
  'kivi:bits=2',
  'gear:bits=4,residual=32',
  'gear-l:bits=2',
  'mikv',
  'streaming:sinks=4,window=100',
  'h2o:heavyTokens=32,recentTokens=32',
  'd2o:heavyTokens=32,recentTokens=32',
  'swa:window=64,topK=32',
  'razor:sinks=4,recent=32',
  'duo:sinks=4,recent=32',
  'minicache+kivi:bits=4',
  'retrieval:sinks=4,window=32,topK=16',
  'uls:speedup=1.5',
  'skipdecode:speedup=1.5',
  'kivi:bits=4+streaming:sinks=4,window=100',
  'gear:bits=2+h2o:heavyTokens=32,recentTokens=32',
]
const PROMPT = 200
const STEPS = 16
const START = 30_000

let model: Model
let stream: Int32Array
let identity: Uint8Array
beforeAll(async () => {
  model = await loadModel()
  stream = await heldOutTokens(requireTokenizer(model, 'round trip'), model.config.bosTokenId)
  identity = modelIdentity(model.config)
}, 60_000)

function sameBytes(a: Float32Array, b: Float32Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  )
}

describe('save → bytes → restore → the next 16 steps give bit-identical logits', () => {
  for (const spec of PIPELINES) {
    it(spec, async () => {
      const input = stream.subarray(START, START + PROMPT + STEPS)
      const original = model.createCache(buildPipeline(model, spec))
      await model.prefill(input.subarray(0, PROMPT), original, { lastOnly: true })
      const bytes = await concatChunks(
        encodeState(original.saveState(), { identity, pipeline: spec }, { sectionBytes: 4096 }),
      )
      const { state } = await readState(chunksOfBytes(bytes, 1000), { expect: { identity, pipeline: spec } })
      // The tree read back is the saved one: same bytes, same sharing (MiniCache's shared rows stay shared).
      expectSameState(state, original.saveState())
      const restored = model.createCache(buildPipeline(model, spec))
      restored.loadState(state as ReturnType<typeof original.saveState>)
      // Everything but the allocation slack (a restored window is allocated to fit, not grown).
      const { physicalBytes: _a, ratio: _b, ...held } = original.stats()
      const { physicalBytes: _c, ratio: _d, ...back } = restored.stats()
      expect(back).toEqual(held)
      for (let t = PROMPT; t < input.length; t++) {
        const expected = await model.step(input[t] as number, original)
        const actual = await model.step(input[t] as number, restored)
        expect(sameBytes(actual, expected), `${spec}: step ${t - PROMPT} differs`).toBe(true)
      }
    })
  }

  it('a state of one pipeline read for another is refused before loading', async () => {
    const cache = model.createCache(buildPipeline(model, 'kivi:bits=4'))
    await model.prefill(stream.subarray(START, START + 40), cache, { lastOnly: true })
    const bytes = await concatChunks(encodeState(cache.saveState(), { identity, pipeline: 'kivi:bits=4' }))
    await expect(readState([bytes], { expect: { identity, pipeline: 'kivi:bits=2' } })).rejects.toThrow(
      StoreFormatError,
    )
    await expect(
      readState([bytes], { expect: { identity: 'another model', pipeline: 'kivi:bits=4' } }),
    ).rejects.toThrow(/another model/)
  })
})
