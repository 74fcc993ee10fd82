import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chunksOfBytes, getState, putState } from '../src/index.js'
import { RedisStore } from '../src/redis/index.js'
import { isValueOf, valueFor } from './support/cluster-traffic.js'
import { LocalRedisCluster } from './support/redis-cluster.js'
import { redisServerForTests } from './support/redis-server.js'
import { expectSameState } from './support/same-state.js'
import { awkwardState } from './support/states.js'

const available = redisServerForTests()

let cluster: LocalRedisCluster
beforeAll(async () => {
  if (available) cluster = await LocalRedisCluster.start({ masters: 3 })
}, 30_000)
afterAll(async () => {
  await cluster?.dispose()
})

describe.skipIf(!available)('RedisStore on a local Redis Cluster (3 masters)', () => {
  it('streamed puts commit on the entry’s own slot, so chunked values and putState spread over the masters', async () => {
    const store = new RedisStore(cluster.client(), { prefix: 's:' })
    const keys = Array.from({ length: 24 }, (_, i) => `streamed-${i}`)
    for (const [i, key] of keys.entries()) {
      const value = valueFor(key)
      const chunks = chunksOfBytes(value, Math.max(1, Math.ceil(value.length / (2 + (i % 5)))))
      expect(await store.put(key, chunks, { ttlMs: 60_000 })).toBe(true)
    }
    for (const key of keys) expect(isValueOf(key, await store.get(key))).toBe(true)
    const owners = await Promise.all(
      (await cluster.slotsOf(keys)).map(async (slot) => (await cluster.masterOf(slot)).id),
    )
    expect(new Set(owners).size).toBe(3)
    const header = { identity: 'm', pipeline: 'kivi:bits=4' }
    for (const chat of ['chat-1', 'chat-2', 'chat-3'])
      expect(await putState(store, chat, awkwardState(), header, { ttlMs: 60_000 })).toBe(true)
    for (const chat of ['chat-1', 'chat-2', 'chat-3'])
      expectSameState(await getState(store, chat, header), awkwardState())
    await store.close()
  })

  it('a byte budget: a clear error unless the prefix pins the store to one slot; with `{budget}:` it evicts LRU', async () => {
    const client = cluster.client()
    expect(() => new RedisStore(client, { maxBytes: 10_000 })).toThrow(
      /maxBytes on a Redis Cluster needs a prefix with a hash tag .* not 'kv:'/,
    )
    expect(() => new RedisStore(client, { maxBytes: 10_000, prefix: 'kv{}:' })).toThrow(/not 'kv\{\}:'/)
    const store = new RedisStore(client, { maxBytes: 10_000, prefix: '{budget}:' })
    const value = (i: number) => new Uint8Array(3_001).fill(i)
    for (let i = 0; i < 6; i++) expect(await store.put(`b${i}`, value(i))).toBe(true)
    expect(await store.put('streamed', chunksOfBytes(value(9), 1_000))).toBe(true)
    expect(await store.bytes()).toBeLessThanOrEqual(10_000)
    expect(await store.get('b0')).toBeUndefined()
    expect(await store.get('b5')).toEqual(value(5))
    expect(await store.get('streamed')).toEqual(value(9))
    const slots = await cluster.slotsOf(['{budget}:lru', '{budget}:bytes', '{budget}:e:{b5}'])
    expect(new Set(slots).size).toBe(1)
    await store.close()
  })

  // Last: it kills a master.
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
