// Worker processes for the sharing demo and the load benchmark: each loads the model once, then answers a
// list of requests (document d, question q) and prints one JSON line per request.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { RedisServer } from '../test/support/redis-server.js'

/** One served request, as a worker reports it. */
export interface Served {
  readonly worker: number
  readonly document: number
  readonly question: number
  /** Milliseconds from the request to the first token's logits (restore + prefill of the rest). */
  readonly ttftMs: number
  readonly restoredTokens: number
  readonly computedTokens: number
  readonly storedChunks: number
  readonly storedBytes: number
  readonly float16BytesPerToken: number
  /** Set when the request failed (it is then counted, never dropped). */
  readonly error?: string
}

/** What a worker runs: `shared` answers through a PrefixCache on Redis, `plain` prefills each prompt in one batch. */
export interface WorkerJob {
  readonly worker: number
  readonly mode: 'shared' | 'plain'
  readonly url: string
  readonly pipeline: string
  readonly documentTokens: number
  readonly chunkTokens: number
  /** Which boundaries `PrefixCache` makes restorable (`last`: a document's chain is about one state). */
  readonly boundaries: 'every' | 'last'
  readonly requests: readonly (readonly [document: number, question: number])[]
}

const root = fileURLToPath(new URL('../../..', import.meta.url))
const workerPath = fileURLToPath(new URL('./worker.ts', import.meta.url))

/** Runs one worker process to the end of its requests; rejects when it exits non-zero or passes `timeoutMs`. */
export function runWorker(job: WorkerJob, timeoutMs = 30 * 60_000): Promise<Served[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', workerPath, JSON.stringify(job)], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    let out = ''
    child.stdout.on('data', (data) => {
      out += data
    })
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      if (code !== 0) {
        reject(new Error(`worker ${job.worker} exited ${code ?? signal}`))
        return
      }
      const lines = out.trim().split('\n').filter(Boolean)
      resolve(lines.map((line) => JSON.parse(line) as Served))
    })
  })
}

/** The p-th percentile (nearest rank) of `values`; NaN when there are none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number
}

/** What Redis holds after a run: the store's bytes (its budget index), its entries, and Redis's own memory. */
export async function redisUsage(
  url: string,
): Promise<{ storedBytes: number; entries: number; usedMemory: number }> {
  const { Redis } = await import('ioredis')
  const admin = new Redis(url)
  try {
    const usedMemory = Number(/used_memory:(\d+)/.exec(await admin.info('memory'))?.[1])
    const storedBytes = Number((await admin.get('kv:bytes')) ?? 0)
    const entries = await admin.hlen('kv:size')
    return { storedBytes, entries, usedMemory }
  } finally {
    admin.disconnect()
  }
}

/** Empties the Redis at `url` (a run starts from a cold store) and returns its memory use when empty. */
export async function flushRedis(url: string): Promise<number> {
  const { Redis } = await import('ioredis')
  const admin = new Redis(url)
  try {
    await admin.flushall()
    return Number(/used_memory:(\d+)/.exec(await admin.info('memory'))?.[1])
  } finally {
    admin.disconnect()
  }
}

/** A markdown row of the time-to-first-token table. */
export function ttftRow(label: string, served: readonly Served[]): string {
  const times = served.map((r) => r.ttftMs)
  return `| ${label} | ${served.length} | ${percentile(times, 50).toFixed(0)} | ${percentile(times, 99).toFixed(0)} |`
}

/** `--boundaries`: `last` or `every` (`PrefixCacheOptions.boundaries`); anything else is an error. */
export function parseBoundaries(value: string | undefined): WorkerJob['boundaries'] {
  if (value === 'last' || value === 'every') return value
  throw new RangeError(`--boundaries must be last or every, got ${JSON.stringify(value)}`)
}

/** The Redis the workers share: REDIS_URL when set, else a new local `redis-server` (`dispose` stops it). */
export async function fleetRedis(): Promise<{ url: string; dispose: () => Promise<void> }> {
  const url = process.env.REDIS_URL
  if (url !== undefined) return { url, dispose: async () => undefined }
  const server = await RedisServer.start()
  return { url: server.url, dispose: () => server.dispose() }
}
