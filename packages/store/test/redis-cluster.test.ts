import { execFileSync } from 'node:child_process'
import { Cluster, Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FAIL_FAST_CLIENT, RedisStore } from '../src/redis/index.js'
import { hasRedisServer, RedisServer } from './support/redis-server.js'

const available = hasRedisServer()
if (!available && process.env.KV_REQUIRE_REDIS === '1') throw new Error('redis-server is not installed')

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const CLUSTER_ARGS = [
  '--cluster-enabled',
  'yes',
  '--cluster-config-file',
  'nodes.conf',
  '--cluster-require-full-coverage',
  'no',
]

let nodes: RedisServer[] = []
beforeAll(async () => {
  if (!available) return
  nodes = await Promise.all([0, 1, 2].map(() => RedisServer.start(CLUSTER_ARGS)))
  const addresses = nodes.map((node) => `127.0.0.1:${node.port}`)
  try {
    execFileSync(
      'redis-cli',
      ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'],
      {
        encoding: 'utf8',
      },
    )
  } catch (error) {
    throw new Error(`redis-cli --cluster create failed: ${(error as { stdout?: string }).stdout}`)
  }
  for (let i = 0; i < 100; i++) {
    const info = execFileSync('redis-cli', ['-p', String(nodes[0]?.port), 'cluster', 'info'], {
      encoding: 'utf8',
    })
    if (info.includes('cluster_state:ok')) return
    await sleep(100)
  }
  throw new Error('the local Redis Cluster did not come up')
}, 30_000)
afterAll(async () => {
  await Promise.all(nodes.map((node) => node.dispose()))
})

describe.skipIf(!available)('RedisStore on a local Redis Cluster (3 masters)', () => {
  it('entries spread over the nodes; a dead node is a miss for its keys and nothing else', async () => {
    const cluster = new Cluster(
      nodes.map((node) => ({ host: '127.0.0.1', port: node.port })),
      {
        enableOfflineQueue: false,
        redisOptions: { ...FAIL_FAST_CLIENT, commandTimeout: 300, connectTimeout: 300 },
        clusterRetryStrategy: () => 100,
      },
    )
    cluster.on('error', () => undefined)
    const store = new RedisStore(cluster, { prefix: 'c:' })
    const value = (i: number) => new Uint8Array(1000).fill(i)
    for (let i = 0; i < 30; i++) expect(await store.put(`chunk${i}`, value(i), { ttlMs: 60_000 })).toBe(true)
    for (let i = 0; i < 30; i++) expect((await store.get(`chunk${i}`))?.[999]).toBe(i)
    const perNode = await Promise.all(
      nodes.map(async (node) => {
        const client = new Redis(node.port, '127.0.0.1')
        const keys = await client.keys('c:e:*')
        client.disconnect()
        return keys
      }),
    )
    expect(perNode.filter((keys) => keys.length > 0).length).toBe(3)
    // One master dies (no replica): its keys are misses, the others still read, nothing throws.
    const lost = new Set(perNode[2]?.map((key) => key.slice('c:e:{'.length, -1)))
    await nodes[2]?.stop()
    const started = Date.now()
    for (let i = 0; i < 30; i++) {
      const got = await store.get(`chunk${i}`)
      if (lost.has(`chunk${i}`)) expect(got).toBeUndefined()
      else expect(got?.[999]).toBe(i)
    }
    expect(Date.now() - started).toBeLessThan(15_000)
    await store.close()
  }, 30_000)
})
