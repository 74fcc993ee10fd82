// `pnpm --filter @kv/store demo`: worker processes share long documents' caches through one Redis. A
// document's first request prefills it (cold) and stores its chunks; later requests on it, in any worker,
// restore them and prefill only their question (warm).
// Options: --workers N (4), --requests R per worker (3), --documents D (2), --document TOKENS (768),
// --chunk TOKENS (256), --boundaries last|every (last), --pipeline SPEC (kivi:bits=4); REDIS_URL to use a running Redis instead of a new one.
import { parseArgs } from 'node:util'
import {
  fleetRedis,
  flushRedis,
  parseBoundaries,
  redisUsage,
  runWorker,
  type Served,
  ttftRow,
} from './fleet.js'

const { values } = parseArgs({
  options: {
    workers: { type: 'string', default: '4' },
    requests: { type: 'string', default: '3' },
    documents: { type: 'string', default: '2' },
    pipeline: { type: 'string', default: 'kivi:bits=4' },
    document: { type: 'string', default: '768' },
    chunk: { type: 'string', default: '256' },
    boundaries: { type: 'string', default: 'last' },
  },
})
const workers = Number(values.workers)
const requests = Number(values.requests)
const documents = Number(values.documents)
const documentTokens = Number(values.document)
const chunkTokens = Number(values.chunk)
const boundaries = parseBoundaries(values.boundaries)
const { url, dispose } = await fleetRedis()

try {
  await flushRedis(url)
  const jobs = Array.from({ length: workers }, (_, worker) => ({
    worker,
    mode: 'shared' as const,
    url,
    pipeline: values.pipeline,
    documentTokens,
    chunkTokens,
    boundaries,
    requests: Array.from(
      { length: requests },
      (_, j) => [(worker + j) % documents, worker * requests + j] as const,
    ),
  }))
  const served: Served[] = (await Promise.all(jobs.map((job) => runWorker(job)))).flat()
  const usage = await redisUsage(url)
  const perToken = served[0]?.float16BytesPerToken ?? 0
  const storedTokens = documents * Math.floor(documentTokens / chunkTokens) * chunkTokens
  console.log(
    `${values.pipeline}; ${workers} workers × ${requests} requests on ${documents} documents of ${documentTokens} tokens (+ a 32-token question); chunks of ${chunkTokens}, boundaries: ${values.boundaries}`,
  )
  console.log('| requests | count | time to first token p50 (ms) | p99 (ms) |')
  console.log('| --- | ---: | ---: | ---: |')
  console.log(
    ttftRow(
      'cold (nothing restored)',
      served.filter((r) => r.restoredTokens === 0),
    ),
  )
  console.log(
    ttftRow(
      'warm (document restored)',
      served.filter((r) => r.restoredTokens > 0),
    ),
  )
  console.log(
    `stored: ${usage.entries} chunks, ${usage.storedBytes} bytes for ${storedTokens} document tokens (${(usage.storedBytes / storedTokens).toFixed(0)} B/token; float16: ${perToken.toFixed(0)} B/token, ${((storedTokens * perToken) / usage.storedBytes).toFixed(2)}× more); Redis used_memory ${usage.usedMemory} bytes`,
  )
  const failed = served.filter((r) => r.error !== undefined)
  if (failed.length > 0) console.log(`FAILED requests: ${failed.length} (first: ${failed[0]?.error})`)
} finally {
  await dispose()
}
