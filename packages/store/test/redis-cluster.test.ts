import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RedisStore } from '../src/redis/index.js'
import { LocalRedisCluster } from './support/redis-cluster.js'
import { hasRedisServer } from './support/redis-server.js'

const available = hasRedisServer()
if (!available && process.env.KV_REQUIRE_REDIS === '1') throw new Error('redis-server is not installed')

let cluster: LocalRedisCluster
beforeAll(async () => {
  if (available) cluster = await LocalRedisCluster.start({ masters: 3 })
}, 30_000)
afterAll(async () => {
  await cluster?.dispose()
})

describe.skipIf(!available)('RedisStore on a local Redis Cluster (3 masters)', () => {
  it('entries spread over the nodes; a dead node is a miss for its keys and nothing else', async () => {
    const store = new RedisStore(cluster.client(), { prefix: 'c:' })
    const value = (i: number) => new Uint8Array(1000).fill(i)
    for (let i = 0; i < 30; i++) expect(await store.put(`chunk${i}`, value(i), { ttlMs: 60_000 })).toBe(true)
    for (let i = 0; i < 30; i++) expect((await store.get(`chunk${i}`))?.[999]).toBe(i)
    const perNode = await Promise.all(
      cluster.servers.map(async (node) => {
        const client = new Redis(node.port, '127.0.0.1')
        const keys = await client.keys('c:e:*')
        client.disconnect()
        return keys
      }),
    )
    expect(perNode.filter((keys) => keys.length > 0).length).toBe(3)
    // One master dies (no replica): its keys are misses, the others still read, nothing throws.
    const lost = new Set(perNode[2]?.map((key) => key.slice('c:e:{'.length, -1)))
    await cluster.servers[2]?.stop()
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
