import { createHash } from 'node:crypto'
import { type Model, requireTokenizer } from '@kv/runtime'
import { buildPipeline } from '../../src/cli/context.js'
import { heldOutTokens } from '../../src/index.js'

/**
 * The pipelines whose logits must not change when code moves: the full cache and one or more settings of
 * every method, each where it acts (evicts, merges, indexes, skips) within the run below.
 */
export const GOLDEN_PIPELINES: Readonly<Record<string, string>> = {
  full: 'full',
  kivi4: 'kivi:bits=4',
  gear2: 'gear:bits=2',
  mikv: 'mikv',
  streaming: 'streaming:sinks=4,window=508',
  h2o: 'h2o:heavyTokens=96,recentTokens=96',
  d2o: 'd2o:heavyTokens=96,recentTokens=96',
  swa: 'swa:window=128,topK=64',
  razor: 'razor:sinks=4,recent=64',
  duo: 'duo',
  minicacheKivi4: 'minicache+kivi:bits=4',
  retrieval: 'retrieval:sinks=4,window=64,topK=32',
  uls: 'uls:speedup=1.5',
  skipdecode: 'skipdecode:speedup=1.5',
}

/** Prompt tokens prefilled in one batch, then tokens decoded one by one (teacher-forced). */
export const GOLDEN_PREFILL = 384
export const GOLDEN_DECODE = 256
/** Where in the held-out stream the run starts. */
export const GOLDEN_START = 20_000

/** The held-out token stream of a model, tokenized once per model (the whole set takes ~0.5 s). */
const streams = new WeakMap<Model, Promise<Int32Array>>()
function heldOutStream(model: Model): Promise<Int32Array> {
  let stream = streams.get(model)
  if (stream === undefined) {
    stream = heldOutTokens(requireTokenizer(model, 'golden'), model.config.bosTokenId)
    streams.set(model, stream)
  }
  return stream
}

/**
 * Runs one pipeline over held-out text (prefill, then teacher-forced decode steps) and returns the
 * SHA-256 of every logit it produced (the prefill's last row, then each step's row), as float32 bytes.
 */
export async function goldenHash(model: Model, spec: string): Promise<string> {
  const stream = await heldOutStream(model)
  const input = stream.subarray(GOLDEN_START, GOLDEN_START + GOLDEN_PREFILL + GOLDEN_DECODE)
  const cache = model.createCache(buildPipeline(model, spec))
  const hash = createHash('sha256')
  const add = (logits: Float32Array) =>
    hash.update(new Uint8Array(logits.buffer, logits.byteOffset, logits.byteLength))
  add(await model.prefill(input.subarray(0, GOLDEN_PREFILL), cache, { lastOnly: true }))
  for (let t = GOLDEN_PREFILL; t < input.length; t++) add(await model.step(input[t]!, cache))
  return hash.digest('hex')
}
