import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RedisStore } from '../src/redis/index.js'
import { serves } from './support/cluster-nodes.js'
import {
  CANDIDATE_KEYS,
  emptyTally,
  isValueOf,
  readLoop,
  valueFor,
  writeLoop,
} from './support/cluster-traffic.js'
import { LocalRedisCluster } from './support/redis-cluster.js'
import { redisServerForTests } from './support/redis-server.js'

const available = redisServerForTests()

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

// 3 masters + 3 replicas; a node unreachable for 1 s is failed over (the default is 15 s).
let cluster: LocalRedisCluster
beforeAll(async () => {
  if (available)
    cluster = await LocalRedisCluster.start({ masters: 3, replicasPerMaster: 1, nodeTimeoutMs: 1_000 })
}, 60_000)
afterAll(async () => {
  await cluster?.dispose()
})

describe.skipIf(!available)('RedisStore on a Redis Cluster with replicas (3 masters + 3 replicas)', () => {
  it('a master SIGKILLed mid-traffic: misses or exact bytes, never an exception; its replica serves every replicated entry', async () => {
    const store = new RedisStore(cluster.client(), { prefix: 'f:' })
    const keys = Array.from({ length: 60 }, (_, i) => `entry-${i}`)
    for (const key of keys) expect(await store.put(key, valueFor(key))).toBe(true)
    await cluster.replicated()
    const slots = await cluster.slotsOf(keys)
    const victim = await cluster.masterOf(slots[0] ?? 0)
    const replicaPort = (await cluster.topology()).find((node) => node.masterId === victim.id)?.port ?? 0
    const replicaId = (await cluster.topology()).find((node) => node.port === replicaPort)?.id
    const onVictim = keys.filter((_, i) => serves(victim, slots[i] ?? -1))
    const elsewhere = keys.filter((key) => !onVictim.includes(key))
    expect(replicaId).toBeDefined()
    expect(onVictim.length).toBeGreaterThan(5)

    // What asynchronous replication can lose, made certain: the replica is cut off (a wrong masterauth
    // keeps it from reconnecting), then puts the master acknowledges never reach it. `overwritten` had a
    // replicated value first.
    const candidateSlots = await cluster.slotsOf(CANDIDATE_KEYS)
    const unreplicated = CANDIDATE_KEYS.filter((_, i) => serves(victim, candidateSlots[i] ?? -1)).slice(0, 5)
    const [overwritten = ''] = unreplicated.splice(0, 1)
    expect(await store.put(overwritten, valueFor('first value'))).toBe(true)
    await cluster.replicated()
    await cluster.command(replicaPort, 'CONFIG', 'SET', 'masterauth', 'not-the-password')
    await cluster.command(replicaPort, 'CLIENT', 'KILL', 'TYPE', 'master')
    await cluster.until(
      async () =>
        String(await cluster.command(replicaPort, 'INFO', 'replication')).includes('master_link_status:down'),
      'the replica to lose its link',
      10_000,
    )
    for (const key of unreplicated) expect(await store.put(key, valueFor(key))).toBe(true)
    expect(await store.put(overwritten, valueFor('second value'))).toBe(true)
    expect(isValueOf('second value', await store.get(overwritten))).toBe(true)

    let stopped = false
    let killedAt = 0
    let readableAfter = -1
    const victimReads = emptyTally()
    const otherReads = emptyTally()
    const writes = new Map<string, boolean | 'threw'>()
    const lateKeys = Array.from({ length: 5_000 }, (_, j) => `late-${j}`)
    const loops = Promise.all([
      readLoop(
        store,
        onVictim,
        victimReads,
        () => stopped,
        (_, startedAt) => {
          if (killedAt > 0 && startedAt >= killedAt && readableAfter < 0)
            readableAfter = Date.now() - killedAt
        },
      ),
      readLoop(store, elsewhere, otherReads, () => stopped),
      writeLoop(store, lateKeys, writes, () => stopped),
    ])
    await sleep(200)
    await cluster.server(victim.port).stop()
    killedAt = Date.now()
    const promotedAfter = await cluster.until(
      () => cluster.healthy(),
      'the replica to take over the slots',
      20_000,
    )
    await cluster.until(() => readableAfter >= 0, 'a read of the failed-over slots', 20_000)
    stopped = true
    await loops

    expect((await cluster.masterOf(slots[0] ?? 0)).id).toBe(replicaId)
    for (const tally of [victimReads, otherReads]) {
      expect(tally.wrong).toBe(0)
      expect(tally.threw).toBe(0)
    }
    for (const key of keys) expect(isValueOf(key, await store.get(key))).toBe(true)
    for (const key of unreplicated) expect(await store.get(key)).toBeUndefined()
    expect(isValueOf('first value', await store.get(overwritten))).toBe(true)
    // A put the master acknowledged after the cut is lost with it: a miss, and only on its slots.
    const lateSlots = await cluster.slotsOf([...writes.keys()])
    let lost = 0
    for (const [i, [key, result]] of [...writes].entries()) {
      expect(result).not.toBe('threw')
      const got = await store.get(key)
      if (got !== undefined) expect(isValueOf(key, got)).toBe(true)
      else if (result === true) {
        expect(serves(victim, lateSlots[i] ?? -1)).toBe(true)
        lost++
      }
    }
    const putResults = [...writes.values()]
    console.info(
      `failover: replica promoted ${promotedAfter} ms after the SIGKILL, its slots read again after ${readableAfter} ms; ` +
        `reads of the killed master's ${onVictim.length} entries: ${victimReads.exact} exact, ${victimReads.miss} misses ` +
        `(slowest ${victimReads.slowestMs} ms); of the others: ${otherReads.exact} exact, ${otherReads.miss} misses ` +
        `(slowest ${otherReads.slowestMs} ms); puts: ${putResults.filter((r) => r === true).length} true, ` +
        `${putResults.filter((r) => r === false).length} false, ${lost} acknowledged then lost`,
    )
    await store.close()
  }, 60_000)
})
