// `pnpm --filter @kv/store demo`: N worker processes share one long document's cache through Redis. The
// first worker prefills it (cold) and stores its chunks; the others load them and prefill only their question.
// Options: --workers N (default 4), --pipeline SPEC (default kivi:bits=4), --document TOKENS (default 768),
// --chunk TOKENS (default 256); REDIS_URL to use a running Redis instead of starting one.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { Redis } from 'ioredis'
import { RedisServer } from '../test/support/redis-server.js'

const { values } = parseArgs({
  options: {
    workers: { type: 'string', default: '4' },
    pipeline: { type: 'string', default: 'kivi:bits=4' },
    document: { type: 'string', default: '768' },
    chunk: { type: 'string', default: '256' },
  },
})
const workers = Number(values.workers)
const server = process.env.REDIS_URL ? undefined : await RedisServer.start()
const url = process.env.REDIS_URL ?? (server as RedisServer).url
const root = fileURLToPath(new URL('../../..', import.meta.url))
const workerPath = fileURLToPath(new URL('./worker.ts', import.meta.url))

interface WorkerResult {
  question: number
  ttftMs: number
  restoredTokens: number
  computedTokens: number
  storedChunks: number
  float16BytesPerToken: number
}

function run(question: number): Promise<WorkerResult> {
  return new Promise((resolve, reject) => {
    const args = [url, values.pipeline, values.document, String(question), values.chunk]
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
        ? resolve(JSON.parse(out.trim().split('\n').at(-1) as string))
        : reject(new Error(`worker ${question} exited ${code}`)),
    )
  })
}

try {
  const admin = new Redis(url)
  await admin.flushall()
  const cold = await run(0)
  const warm = await Promise.all(Array.from({ length: workers - 1 }, (_, i) => run(i + 1)))
  const memory = /used_memory:(\d+)/.exec(await admin.info('memory'))?.[1]
  const stored = Number((await admin.get('kv:bytes')) ?? 0)
  const sizes = Object.entries(await admin.hgetall('kv:size')).map(([key, bytes]) => ({
    tokens: Number(key.split('-').at(-1)),
    bytes: Number(bytes),
  }))
  admin.disconnect()
  console.log(
    `pipeline ${values.pipeline}, document ${values.document} tokens + 32-token questions, chunks of ${values.chunk}`,
  )
  console.log('| worker | run | tokens restored | tokens computed | time to first token (ms) |')
  console.log('| ---: | --- | ---: | ---: | ---: |')
  for (const r of [cold, ...warm])
    console.log(
      `| ${r.question} | ${r === cold ? 'cold' : 'warm'} | ${r.restoredTokens} | ${r.computedTokens} | ${r.ttftMs.toFixed(0)} |`,
    )
  const warmMean = warm.reduce((s, r) => s + r.ttftMs, 0) / Math.max(1, warm.length)
  console.log(
    `cold ${cold.ttftMs.toFixed(0)} ms, warm mean ${warmMean.toFixed(0)} ms (${(cold.ttftMs / warmMean).toFixed(1)}× faster)`,
  )
  console.log(
    `stored ${stored} bytes in ${cold.storedChunks} chunk states; Redis used_memory ${memory} bytes`,
  )
  console.log('| state at token | bytes stored | float16 cache of those tokens | × smaller |')
  console.log('| ---: | ---: | ---: | ---: |')
  for (const { tokens, bytes } of sizes.sort((a, b) => a.tokens - b.tokens)) {
    const float16 = tokens * cold.float16BytesPerToken
    console.log(`| ${tokens} | ${bytes} | ${float16} | ${(float16 / bytes).toFixed(2)} |`)
  }
} finally {
  await server?.dispose()
}
