// One worker of the sharing demo: loads the model once, then answers its requests (document d, question q)
// through a PrefixCache on Redis, printing one JSON line per request: time to first token, tokens restored.
import { buildPipeline } from '@kv/eval'
import { loadModel } from '@kv/runtime/node'
import { PrefixCache, type StoreFault } from '../src/index.js'
import { RedisStore } from '../src/redis/index.js'
import { identityOf, prompt } from './workload.js'

const [url, pipeline, documentTokens, chunkTokens, requests] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
]
const onFault = (fault: StoreFault) =>
  console.error(`worker: store ${fault.operation} ${fault.key} failed: ${String(fault.error)}`)
const store = RedisStore.connect(url, { maxBytes: 1 << 30, onFault })
// Connect before the model loads: a handshake cannot run while the event loop is busy.
if (!(await store.ready())) console.error('worker: Redis is not reachable; every request will prefill')
const model = await loadModel()
const prefixes = new PrefixCache(store, {
  identity: identityOf(model),
  pipeline,
  chunkTokens: Number(chunkTokens),
})
for (const request of requests.split(',')) {
  const [document, question] = request.split(':').map(Number) as [number, number]
  const tokens = await prompt(model, Number(documentTokens), document, question)
  const cache = model.createCache(buildPipeline(model, pipeline))
  const started = performance.now()
  const result = await prefixes.prefill(model, cache, tokens)
  let first = 0
  for (let i = 1; i < result.logits.length; i++)
    if ((result.logits[i] as number) > (result.logits[first] as number)) first = i
  const ttftMs = performance.now() - started
  console.log(
    JSON.stringify({
      document,
      question,
      ttftMs,
      firstToken: first,
      restoredTokens: result.restoredTokens,
      computedTokens: result.computedTokens,
      storedChunks: result.storedChunks,
      float16BytesPerToken: cache.stats().float16Bytes / tokens.length,
    }),
  )
}
await store.close()
