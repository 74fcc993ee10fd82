// One worker process (see fleet.ts): loads the model once, then answers its requests, printing one JSON
// line per request: time to first token, tokens restored and stored. A request that fails is reported
// with its error, never dropped.
import { buildPipeline } from '@kv/eval'
import { loadModel } from '@kv/runtime/node'
import { PrefixCache, type StoreFault } from '../src/index.js'
import { RedisStore } from '../src/redis/index.js'
import type { Served, WorkerJob } from './fleet.js'
import { identityOf, prompt } from './workload.js'

const job = JSON.parse(process.argv[2] as string) as WorkerJob
const onFault = (fault: StoreFault) =>
  console.error(`worker ${job.worker}: store ${fault.operation} ${fault.key} failed: ${String(fault.error)}`)
const store = job.mode === 'shared' ? RedisStore.connect(job.url, { maxBytes: 1 << 30, onFault }) : undefined
// Connect before the model loads: a handshake cannot run while the event loop is busy.
if (store !== undefined && !(await store.ready()))
  console.error(`worker ${job.worker}: Redis is not reachable; every request will prefill`)
const model = await loadModel()
const prefixes =
  store === undefined
    ? undefined
    : new PrefixCache(store, {
        identity: identityOf(model),
        pipeline: job.pipeline,
        chunkTokens: job.chunkTokens,
        boundaries: job.boundaries,
      })

for (const [document, question] of job.requests) {
  const tokens = await prompt(model, job.documentTokens, document, question)
  const cache = model.createCache(buildPipeline(model, job.pipeline))
  const started = performance.now()
  const base = { worker: job.worker, document, question }
  let served: Served
  try {
    if (prefixes === undefined) {
      await model.prefill(tokens, cache, { lastOnly: true })
      served = {
        ...base,
        ttftMs: performance.now() - started,
        restoredTokens: 0,
        computedTokens: tokens.length,
        storedChunks: 0,
        storedBytes: 0,
        float16BytesPerToken: cache.stats().float16Bytes / tokens.length,
      }
    } else {
      const result = await prefixes.prefill(model, cache, tokens)
      served = {
        ...base,
        ttftMs: performance.now() - started,
        restoredTokens: result.restoredTokens,
        computedTokens: result.computedTokens,
        storedChunks: result.storedChunks,
        storedBytes: result.storedBytes,
        float16BytesPerToken: cache.stats().float16Bytes / tokens.length,
      }
    }
  } catch (error) {
    served = {
      ...base,
      ttftMs: performance.now() - started,
      restoredTokens: 0,
      computedTokens: 0,
      storedChunks: 0,
      storedBytes: 0,
      float16BytesPerToken: 0,
      error: String(error),
    }
  }
  console.log(JSON.stringify(served))
}
await store?.close()
