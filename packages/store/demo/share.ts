// `pnpm --filter @kv/store demo`: worker processes share long documents' caches through one Redis. A
// document's first request prefills it (cold) and stores its chunk states; later requests on it, in any
// worker, restore them and prefill only their question (warm).
// Options: --workers N (4), --requests R per worker (3), --documents D (2), --document TOKENS (768),
// --chunk TOKENS (256), --pipeline SPEC (kivi:bits=4); REDIS_URL to use a running Redis instead of a new one.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { Redis } from 'ioredis'
import { RedisServer } from '../test/support/redis-server.js'

const { values } = parseArgs({
  options: {
    workers: { type: 'string', default: '4' },
    requests: { type: 'string', default: '3' },
    documents: { type: 'string', default: '2' },
    pipeline: { type: 'string', default: 'kivi:bits=4' },
    document: { type: 'string', default: '768' },
    chunk: { type: 'string', default: '256' },
  },
})
const workers = Number(values.workers)
const requests = Number(values.requests)
const documents = Number(values.documents)
const server = process.env.REDIS_URL ? undefined : await RedisServer.start()
const url = process.env.REDIS_URL ?? (server as RedisServer).url
const root = fileURLToPath(new URL('../../..', import.meta.url))
const workerPath = fileURLToPath(new URL('./worker.ts', import.meta.url))

interface Served {
  document: number
  ttftMs: number
  restoredTokens: number
  computedTokens: number
  storedChunks: number
  float16BytesPerToken: number
}

function run(worker: number): Promise<Served[]> {
  const list = Array.from({ length: requests }, (_, j) => {
    const n = worker * requests + j
    return `${(worker + j) % documents}:${n}`
  })
  const args = [url, values.pipeline, values.document, values.chunk, list.join(',')]
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', workerPath, ...args], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let out = ''
    child.stdout.on('data', (data) => {
      out += data
    })
    child.on('exit', (code) =>
      code === 0
        ? resolve(
            out
              .trim()
              .split('\n')
              .map((line) => JSON.parse(line) as Served),
          )
        : reject(new Error(`worker ${worker} exited ${code}`)),
    )
  })
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number
}

try {
  const admin = new Redis(url)
  await admin.flushall()
  const served = (await Promise.all(Array.from({ length: workers }, (_, w) => run(w)))).flat()
  const memory = Number(/used_memory:(\d+)/.exec(await admin.info('memory'))?.[1])
  const stored = Number((await admin.get('kv:bytes')) ?? 0)
  const sizes = Object.entries(await admin.hgetall('kv:size')).map(([key, bytes]) => ({
    tokens: Number(key.split('-').at(-1)),
    bytes: Number(bytes),
  }))
  admin.disconnect()
  const cold = served.filter((r) => r.restoredTokens === 0).map((r) => r.ttftMs)
  const warm = served.filter((r) => r.restoredTokens > 0).map((r) => r.ttftMs)
  const perToken = served[0]?.float16BytesPerToken ?? 0
  console.log(
    `${values.pipeline}; ${workers} workers × ${requests} requests on ${documents} documents of ${values.document} tokens (+ a 32-token question); chunks of ${values.chunk}`,
  )
  console.log('| requests | count | time to first token p50 (ms) | p99 (ms) |')
  console.log('| --- | ---: | ---: | ---: |')
  console.log(
    `| cold (nothing restored) | ${cold.length} | ${percentile(cold, 50).toFixed(0)} | ${percentile(cold, 99).toFixed(0)} |`,
  )
  console.log(
    `| warm (document restored) | ${warm.length} | ${percentile(warm, 50).toFixed(0)} | ${percentile(warm, 99).toFixed(0)} |`,
  )
  console.log(`stored: ${stored} bytes of chunk states; Redis used_memory ${memory} bytes`)
  console.log('| state at token | bytes stored (each) | float16 cache of those tokens | × smaller |')
  console.log('| ---: | ---: | ---: | ---: |')
  const byTokens = new Map(sizes.map((s) => [s.tokens, s.bytes]))
  for (const [tokens, bytes] of [...byTokens].sort((a, b) => a[0] - b[0]))
    console.log(
      `| ${tokens} | ${bytes} | ${tokens * perToken} | ${((tokens * perToken) / bytes).toFixed(2)} |`,
    )
} finally {
  await server?.dispose()
}
