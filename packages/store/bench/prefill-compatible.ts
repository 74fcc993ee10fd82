// Which pipelines are prefill-compatible: does a prompt prefilled in one batch give the same logits as its
// first chunk in one batch and the rest one token at a time (PrefixCache's protocol)? Prints one row per
// pipeline: bit-identical or not, and the largest absolute logit difference.
// `pnpm --filter @kv/store exec tsx bench/prefill-compatible.ts`
import { buildPipeline, heldOutTokens } from '@kv/eval'
import { requireTokenizer } from '@kv/runtime'
import { loadModel } from '@kv/runtime/node'

const PIPELINES = [
  'full',
  'fp16',
  'kivi:bits=4',
  'kivi:bits=2',
  'gear:bits=4',
  'mikv',
  'streaming:sinks=4,window=252',
  'h2o:heavyTokens=32,recentTokens=32',
  'd2o:heavyTokens=32,recentTokens=32',
  'swa:window=64,topK=32',
  'razor:sinks=4,recent=32',
  'duo:sinks=4,recent=32',
  'minicache+kivi:bits=4',
  'retrieval:sinks=4,window=32,topK=16',
  'uls:speedup=1.5',
  'skipdecode:speedup=1.5',
]
const PROMPT = 320
const CHUNK = 256

const model = await loadModel()
const stream = await heldOutTokens(requireTokenizer(model, 'bench'), model.config.bosTokenId)
const prompt = stream.subarray(80_000, 80_000 + PROMPT)
console.log(`${PROMPT}-token prompt: one batch vs ${CHUNK} in a batch + ${PROMPT - CHUNK} one by one`)
console.log('| pipeline | bit-identical | max abs logit difference |')
console.log('| --- | --- | ---: |')
for (const spec of PIPELINES) {
  const once = await model.prefill(prompt, model.createCache(buildPipeline(model, spec)), { lastOnly: true })
  const cache = model.createCache(buildPipeline(model, spec))
  await model.prefill(prompt.subarray(0, CHUNK), cache, { lastOnly: true })
  const chunked = await model.prefill(prompt.subarray(CHUNK), cache, { lastOnly: true })
  let max = 0
  for (let i = 0; i < once.length; i++)
    max = Math.max(max, Math.abs((once[i] as number) - (chunked[i] as number)))
  const same = Buffer.from(once.buffer).equals(Buffer.from(chunked.buffer))
  console.log(`| \`${spec}\` | ${same ? 'yes' : 'no'} | ${max.toExponential(2)} |`)
}
