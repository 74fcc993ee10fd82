// `pnpm --filter @kv/store bench:load`: the load test of issue 16 on loopback. W worker processes × R
// requests on D long documents (each request: a random document, then its own 32-token question), all
// sharing chunk states through one Redis. First a baseline in the same run: each worker answers B
// requests with no store (the whole prompt prefilled in one batch). Prints the time-to-first-token
// table (p50/p99), requests served and failed, and Redis memory against a float16 cache.
// Options: --workers 8 --requests 200 --documents 10 --document 1024 --chunk 256 --boundaries last --baseline 3
// --pipeline kivi:bits=4 --seed 1 --timeout 1800 (seconds per phase). REDIS_URL: use a running Redis.
import { parseArgs } from 'node:util'
import { Rng } from '@kv/tensor'
import {
  fleetRedis,
  flushRedis,
  parseBoundaries,
  redisUsage,
  runWorker,
  type Served,
  ttftRow,
  type WorkerJob,
} from '../demo/fleet.js'

const { values } = parseArgs({
  options: {
    workers: { type: 'string', default: '8' },
    requests: { type: 'string', default: '200' },
    documents: { type: 'string', default: '10' },
    document: { type: 'string', default: '1024' },
    chunk: { type: 'string', default: '256' },
    boundaries: { type: 'string', default: 'last' },
    baseline: { type: 'string', default: '3' },
    pipeline: { type: 'string', default: 'kivi:bits=4' },
    seed: { type: 'string', default: '1' },
    timeout: { type: 'string', default: '1800' },
  },
})
const workers = Number(values.workers)
const requests = Number(values.requests)
const documents = Number(values.documents)
const documentTokens = Number(values.document)
const chunkTokens = Number(values.chunk)
const timeoutMs = Number(values.timeout) * 1000
const boundaries = parseBoundaries(values.boundaries)

function jobs(mode: WorkerJob['mode'], perWorker: number, url: string, seed: number): WorkerJob[] {
  const rng = new Rng(seed)
  let question = 0
  return Array.from({ length: workers }, (_, worker) => ({
    worker,
    mode,
    url,
    pipeline: values.pipeline,
    documentTokens,
    chunkTokens,
    boundaries,
    requests: Array.from(
      { length: perWorker },
      () => [Math.floor(rng.uniform() * documents), question++] as const,
    ),
  }))
}

async function phase(list: WorkerJob[]): Promise<{ served: Served[]; seconds: number }> {
  const started = performance.now()
  const settled = await Promise.allSettled(list.map((job) => runWorker(job, timeoutMs)))
  const served = settled.flatMap((s) => (s.status === 'fulfilled' ? s.value : []))
  for (const s of settled) if (s.status === 'rejected') console.error(String(s.reason))
  return { served, seconds: (performance.now() - started) / 1000 }
}

const { url, dispose } = await fleetRedis()
try {
  const seed = Number(values.seed)
  const baseline = await phase(jobs('plain', Number(values.baseline), url, seed + 1))
  const emptyMemory = await flushRedis(url)
  const shared = await phase(jobs('shared', requests, url, seed))
  const usage = await redisUsage(url)
  const ok = shared.served.filter((r) => r.error === undefined)
  const wholeDocument = Math.floor(documentTokens / chunkTokens) * chunkTokens
  const perToken = ok[0]?.float16BytesPerToken ?? 0
  const float16 = documents * wholeDocument * perToken
  console.log(
    `${values.pipeline}; ${workers} worker processes × ${requests} requests on ${documents} documents of ${documentTokens} tokens (+ a 32-token question each); chunks of ${chunkTokens} (boundaries: ${values.boundaries}); seed ${seed}`,
  )
  console.log('| requests | count | time to first token p50 (ms) | p99 (ms) |')
  console.log('| --- | ---: | ---: | ---: |')
  console.log(ttftRow('no store: whole prompt in one batch (baseline)', baseline.served))
  console.log(
    ttftRow(
      'cold: nothing restored (prefilled, chunks stored)',
      ok.filter((r) => r.restoredTokens === 0),
    ),
  )
  console.log(
    ttftRow(
      'partly warm: some chunks restored',
      ok.filter((r) => r.restoredTokens > 0 && r.restoredTokens < wholeDocument),
    ),
  )
  console.log(
    ttftRow(
      'warm: whole document restored',
      ok.filter((r) => r.restoredTokens >= wholeDocument),
    ),
  )
  const planned = workers * requests
  console.log(
    `served ${ok.length} of ${planned} requests (${shared.served.length - ok.length} failed, ${planned - shared.served.length} lost with a worker) in ${shared.seconds.toFixed(1)} s (${(ok.length / shared.seconds).toFixed(1)} requests/s); baseline phase ${baseline.seconds.toFixed(1)} s`,
  )
  console.log(
    `Redis: ${usage.entries} entries (chunks and boundary states), ${(usage.storedBytes / 2 ** 20).toFixed(2)} MiB of values, used_memory +${((usage.usedMemory - emptyMemory) / 2 ** 20).toFixed(2)} MiB; a float16 cache of the ${documents} documents: ${(float16 / 2 ** 20).toFixed(2)} MiB (${(float16 / usage.storedBytes).toFixed(2)}× the values, ${(float16 / (usage.usedMemory - emptyMemory)).toFixed(2)}× used_memory)`,
  )
  if (ok.length !== planned) process.exitCode = 1
} finally {
  await dispose()
}
