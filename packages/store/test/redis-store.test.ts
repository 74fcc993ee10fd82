import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PrefixCache, type StoreFault } from '../src/index.js'
import { FAIL_FAST_CLIENT, RedisStore } from '../src/redis/index.js'
import { RedisServer, redisServerForTests } from './support/redis-server.js'
import { storeContract } from './support/store-contract.js'
import { ToyCache, toyModel } from './support/toy-model.js'

const available = redisServerForTests()

let server: RedisServer
let stores = 0
beforeAll(async () => {
  // DEBUG SLEEP (from loopback only) holds the server so that a command is surely in flight when it dies.
  if (available) server = await RedisServer.start(['--enable-debug-command', 'local'])
})
afterAll(async () => {
  await server?.dispose()
})

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

function bytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length)
  for (let i = 0; i < length; i++) out[i] = (i * 31 + seed * 17) & 0xff
  return out
}

async function until(condition: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms
  while (!(await condition())) {
    if (Date.now() > end) throw new Error('timed out')
    await sleep(50)
  }
}

describe.skipIf(!available)('RedisStore', () => {
  storeContract(async () => {
    let now = Date.now()
    const store = RedisStore.connect(server.url, { maxBytes: 1_000, prefix: `t${stores++}:`, now: () => now })
    return {
      store,
      advance: async (ms) => {
        now += ms
        if (ms >= 1_000) await sleep(ms) // TTLs run on Redis's clock
      },
    }
  })

  it('two workers writing the same key at once: the result is one of the two values, exactly', async () => {
    const prefix = `race${stores++}:`
    const a = RedisStore.connect(server.url, { prefix, maxBytes: 1 << 24 })
    const b = RedisStore.connect(server.url, { prefix, maxBytes: 1 << 24 })
    const one = bytes(300_000, 1)
    const two = bytes(300_000, 2)
    for (let round = 0; round < 5; round++) {
      expect(await Promise.all([a.put('k', one), b.put('k', two)])).toEqual([true, true])
      const got = (await a.get('k')) as Uint8Array
      expect(Buffer.compare(got, one) === 0 || Buffer.compare(got, two) === 0).toBe(true)
    }
    expect(await a.bytes()).toBe(300_000) // the index counts the key once
    await Promise.all([a.close(), b.close()])
  })

  it('a streamed value: appended to a temp key, renamed over the entry; a failed stream leaves the old value', async () => {
    const prefix = `stream${stores++}:`
    const store = RedisStore.connect(server.url, { prefix, maxBytes: 100_000 })
    const admin = new Redis(server.url)
    async function* chunks(count: number, fail = false) {
      for (let i = 0; i < count; i++) {
        if (fail && i === 2) throw new Error('the source broke')
        yield bytes(10_000, i)
      }
    }
    expect(await store.put('k', chunks(5), { ttlMs: 60_000 })).toBe(true)
    const got = (await store.get('k')) as Uint8Array
    expect(got.length).toBe(50_000)
    expect(Buffer.compare(got.subarray(20_000, 30_000), bytes(10_000, 2))).toBe(0)
    expect(await admin.pttl(`${prefix}e:{k}`)).toBeGreaterThan(50_000)
    expect(await store.put('k', chunks(5, true))).toBe(false)
    expect(await store.put('k', chunks(20))).toBe(false) // 200 kB: past the budget
    expect((await store.get('k'))?.length).toBe(50_000)
    expect(await admin.keys(`${prefix}t:*`)).toEqual([])
    expect(await store.bytes()).toBe(50_000)
    admin.disconnect()
    await store.close()
  })

  it('evicted between lookup and read: a miss', async () => {
    const store = RedisStore.connect(server.url, { prefix: `evict${stores++}:` })
    await store.put('chunk', bytes(1000, 3))
    expect(await store.has('chunk')).toBe(true)
    const other = new Redis(server.url)
    await other.del(`evict${stores - 1}:e:{chunk}`)
    other.disconnect()
    expect(await store.get('chunk')).toBeUndefined()
    await store.close()
  })

  it('flushed: misses, then works again', async () => {
    const store = RedisStore.connect(server.url, { prefix: `flush${stores++}:`, maxBytes: 10_000 })
    await store.put('a', bytes(5000, 4))
    const admin = new Redis(server.url)
    await admin.flushall()
    admin.disconnect()
    expect(await store.get('a')).toBeUndefined()
    expect(await store.has('a')).toBe(false)
    expect(await store.put('b', bytes(6000, 5))).toBe(true)
    expect(await store.bytes()).toBe(6000)
    await store.close()
  })

  it('killed mid-read and mid-write, down, restarted: misses and false puts, never a throw or wrong bytes', async () => {
    const faults: StoreFault[] = []
    const store = RedisStore.connect(server.url, {
      prefix: 'crash:',
      maxBytes: 1 << 26,
      onFault: (fault) => faults.push(fault),
    })
    const big = bytes(8 << 20, 6)
    expect(await store.put('big', big)).toBe(true)
    // Mid-read and mid-write, deterministically: another client makes the server sleep, our get of 8 MiB
    // and put of 8 MiB are sent and wait in flight, and the server is killed before it answers either.
    const admin = new Redis(server.url, { maxRetriesPerRequest: 0 })
    admin.on('error', () => undefined)
    await admin.ping()
    const sleeping = admin.call('DEBUG', 'SLEEP', '2').catch(() => 'killed')
    await sleep(100)
    const reading = store.get('big')
    const writing = store.put('other', bytes(8 << 20, 7))
    await sleep(100)
    await server.stop()
    expect(await Promise.all([reading, writing])).toEqual([undefined, false])
    expect(await sleeping).toBe('killed')
    admin.disconnect()
    // While it is down: misses, false puts, quickly.
    const started = Date.now()
    expect(await store.get('big')).toBeUndefined()
    expect(await store.has('big')).toBe(false)
    expect(await store.put('down', bytes(10, 8))).toBe(false)
    expect(await store.delete('big')).toBe(false)
    expect(Date.now() - started).toBeLessThan(3_000)
    expect(faults.length).toBeGreaterThanOrEqual(4)
    // Restarted (empty: no persistence): a miss, and puts work again once the client has reconnected.
    await server.start()
    await until(async () => await store.put('again', bytes(10, 9)))
    expect(await store.get('big')).toBeUndefined()
    expect(Array.from((await store.get('again')) ?? [])).toEqual(Array.from(bytes(10, 9)))
    await store.close()
  }, 30_000)

  it('ready(): true once connected, false for a server that is not there', async () => {
    const up = RedisStore.connect(server.url)
    expect(await up.ready()).toBe(true)
    await up.close()
    const down = RedisStore.connect('redis://127.0.0.1:1', { connectWaitMs: 5_000 })
    expect(await down.ready()).toBe(false)
    expect(await down.get('k')).toBeUndefined()
    await down.close()
  })

  it('FAIL_FAST_CLIENT turns off the offline queue', () => {
    expect(FAIL_FAST_CLIENT.enableOfflineQueue).toBe(false)
    expect(FAIL_FAST_CLIENT.maxRetriesPerRequest).toBe(0)
  })
})

describe.skipIf(!available)('PrefixCache on Redis', () => {
  it('Redis down: every prompt is still answered (cold), with the same logits; back up: warm again', async () => {
    const store = RedisStore.connect(server.url, { prefix: `prefix${stores++}:` })
    const prefixes = new PrefixCache(store, { identity: 'toy', pipeline: 'toy:1', chunkTokens: 8 })
    const prompt = Array.from({ length: 30 }, (_, i) => (i * 5) % 11)
    const cold = await prefixes.prefill(toyModel, new ToyCache(), prompt)
    expect(cold.storedChunks).toBe(3)
    await server.stop()
    const down = await prefixes.prefill(toyModel, new ToyCache(), prompt)
    expect([down.restoredTokens, down.storedChunks]).toEqual([0, 0])
    expect(Buffer.from(down.logits.buffer).equals(Buffer.from(cold.logits.buffer))).toBe(true)
    await server.start()
    await until(async () => (await prefixes.prefill(toyModel, new ToyCache(), prompt)).storedChunks > 0)
    const warm = await prefixes.prefill(toyModel, new ToyCache(), prompt)
    expect(warm.restoredTokens).toBe(24)
    expect(Buffer.from(warm.logits.buffer).equals(Buffer.from(cold.logits.buffer))).toBe(true)
    await store.close()
  }, 30_000)
})
