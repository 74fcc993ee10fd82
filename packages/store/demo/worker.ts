// One worker of the sharing demo: answers one question on the shared document through a PrefixCache on
// Redis, and prints one JSON line: time to first token, tokens restored and computed.
import { buildPipeline } from '@kv/eval'
import { loadModel } from '@kv/runtime/node'
import { PrefixCache } from '../src/index.js'
import { RedisStore } from '../src/redis/index.js'
import { identityOf, workload } from './workload.js'

const [url, pipeline, documentTokens, question, chunkTokens] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
]
const model = await loadModel()
const prompt = await workload(model, Number(documentTokens), Number(question))
const store = RedisStore.connect(url, { maxBytes: 1 << 30 })
const prefixes = new PrefixCache(store, {
  identity: identityOf(model),
  pipeline,
  chunkTokens: Number(chunkTokens),
})
const cache = model.createCache(buildPipeline(model, pipeline))
const started = performance.now()
const result = await prefixes.prefill(model, cache, prompt)
let first = 0
for (let i = 1; i < result.logits.length; i++)
  if ((result.logits[i] as number) > (result.logits[first] as number)) first = i
const ttftMs = performance.now() - started
await store.close()
console.log(
  JSON.stringify({
    question: Number(question),
    ttftMs,
    firstToken: first,
    restoredTokens: result.restoredTokens,
    computedTokens: result.computedTokens,
    storedChunks: result.storedChunks,
    logitsHash: Buffer.from(result.logits.buffer).toString('base64').slice(0, 16),
    float16BytesPerToken: cache.stats().float16Bytes / prompt.length,
  }),
)
