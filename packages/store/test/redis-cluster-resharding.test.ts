import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chunksOfBytes } from '../src/index.js'
import { RedisStore } from '../src/redis/index.js'
import {
  CANDIDATE_KEYS,
  emptyTally,
  isValueOf,
  readLoop,
  valueFor,
  writeLoop,
} from './support/cluster-traffic.js'
import { type ClusterNode, LocalRedisCluster } from './support/redis-cluster.js'
import { redisServerForTests } from './support/redis-server.js'

const available = redisServerForTests()

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const MOVED_SLOTS = 300

let cluster: LocalRedisCluster
let candidateSlots: number[] = []
beforeAll(async () => {
  if (!available) return
  cluster = await LocalRedisCluster.start({ masters: 3 })
  candidateSlots = await cluster.slotsOf(CANDIDATE_KEYS)
}, 30_000)
afterAll(async () => {
  await cluster?.dispose()
})

async function twoMasters(): Promise<[ClusterNode, ClusterNode]> {
  const masters = (await cluster.topology()).filter((node) => node.master && node.slots.length > 0)
  return masters.slice(0, 2) as [ClusterNode, ClusterNode]
}

describe.skipIf(!available)('RedisStore on a Redis Cluster being resharded (3 masters)', () => {
  it('slots holding entries resharded under readers and a writer: every read exact, every put kept', async () => {
    const store = new RedisStore(cluster.client(), { prefix: 'r:' })
    const [source, target] = await twoMasters()
    // redis-cli moves the source's lowest slots first.
    const first = source.slots[0]?.[0] ?? 0
    const moving = { first, last: first + MOVED_SLOTS - 1 }
    const inMoving = CANDIDATE_KEYS.filter((_, i) => {
      const slot = candidateSlots[i] ?? -1
      return moving.first <= slot && slot <= moving.last
    })
    const stored = inMoving.slice(0, 40)
    const stay = CANDIDATE_KEYS.filter((key) => !inMoving.includes(key)).slice(0, 20)
    for (const key of [...stored, ...stay]) expect(await store.put(key, valueFor(key))).toBe(true)

    let stopped = false
    let movingSince = 0
    let exactDuringMove = 0
    const moved = emptyTally()
    const stayed = emptyTally()
    const writes = new Map<string, boolean | 'threw'>()
    const loops = Promise.all([
      readLoop(
        store,
        stored,
        moved,
        () => stopped,
        (_, startedAt) => {
          if (movingSince > 0 && startedAt >= movingSince) exactDuringMove++
        },
      ),
      readLoop(store, stay, stayed, () => stopped),
      writeLoop(store, inMoving.slice(stored.length), writes, () => stopped),
    ])
    await sleep(100)
    movingSince = Date.now()
    await cluster.reshard(source, target, MOVED_SLOTS)
    const reshardMs = Date.now() - movingSince
    stopped = true
    await loops
    await cluster.until(() => cluster.healthy(), 'every node to agree on the new slot owners', 20_000)

    for (const slot of [moving.first, moving.last]) expect((await cluster.masterOf(slot)).id).toBe(target.id)
    for (const tally of [moved, stayed]) {
      expect(tally.wrong).toBe(0)
      expect(tally.threw).toBe(0)
    }
    expect(exactDuringMove).toBeGreaterThan(0)
    for (const key of [...stored, ...stay]) expect(isValueOf(key, await store.get(key))).toBe(true)
    const putResults = [...writes.values()]
    expect(putResults).not.toContain('threw')
    for (const [key, result] of writes) {
      const got = await store.get(key)
      if (result === true || got !== undefined) expect(isValueOf(key, got)).toBe(true)
    }
    console.info(
      `resharding ${MOVED_SLOTS} slots (${stored.length} entries) took ${reshardMs} ms; reads of moving entries: ` +
        `${moved.exact} exact, ${moved.miss} misses (${exactDuringMove} exact reads started during the move, ` +
        `slowest ${moved.slowestMs} ms); others: ${stayed.exact} exact, ${stayed.miss} misses; puts: ` +
        `${putResults.filter((r) => r === true).length} true, ${putResults.filter((r) => r === false).length} false`,
    )
    await store.close()
  }, 60_000)

  it('a slot caught mid-migration: moved keys read through ASK, a new key lands on the importing master', async () => {
    const store = new RedisStore(cluster.client(), { prefix: 'a:' })
    const bySlot = new Map<number, string[]>()
    for (const [i, key] of CANDIDATE_KEYS.entries()) {
      const slot = candidateSlots[i] ?? -1
      bySlot.set(slot, [...(bySlot.get(slot) ?? []), key])
    }
    const [slot = -1, [moved = '', kept = '', fresh = '', streamed = ''] = []] =
      [...bySlot].find(([, keys]) => keys.length >= 4) ?? []
    expect(streamed).not.toBe('')
    expect(await store.put(moved, valueFor(moved))).toBe(true)
    expect(await store.put(kept, valueFor(kept))).toBe(true)
    const source = await cluster.masterOf(slot)
    const target = (await twoMasters()).find((node) => node.id !== source.id) as ClusterNode
    await cluster.migrateHalfway(slot, source, target, [`a:e:{${moved}}`])

    expect(isValueOf(moved, await store.get(moved))).toBe(true)
    expect(isValueOf(kept, await store.get(kept))).toBe(true)
    expect(await store.has(moved)).toBe(true)
    expect(await store.put(fresh, valueFor(fresh))).toBe(true)
    await cluster.command(target.port, 'ASKING')
    expect(await cluster.command(target.port, 'EXISTS', `a:e:{${fresh}}`)).toBe(1)
    expect(isValueOf(fresh, await store.get(fresh))).toBe(true)
    // A streamed put's commit names two keys (the entry, on neither side yet, and its temp key, on the
    // importing side): Redis answers TRYAGAIN while the slot is split, so the put is false, the key a miss.
    expect(await store.put(streamed, chunksOfBytes(valueFor(streamed), 500))).toBe(false)
    expect(await store.get(streamed)).toBeUndefined()

    await cluster.finishMigration(slot, source, target)
    await cluster.until(() => cluster.healthy(), 'every node to agree on the slot’s new owner', 20_000)
    expect((await cluster.masterOf(slot)).id).toBe(target.id)
    for (const key of [moved, kept, fresh]) expect(isValueOf(key, await store.get(key))).toBe(true)
    await store.close()
  })
})
