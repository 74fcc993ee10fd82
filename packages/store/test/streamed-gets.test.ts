import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  encodeState,
  getState,
  type KVStore,
  MemoryStore,
  readState,
  StoreFormatError,
} from '../src/index.js'
import { DirectoryStore } from '../src/node/index.js'
import { RedisStore } from '../src/redis/index.js'
import { RedisServer, redisServerForTests } from './support/redis-server.js'
import { expectSameState } from './support/same-state.js'

const available = redisServerForTests()

const header = { identity: 'model-a', pipeline: 'kivi:bits=4' }

/** A state of about 3.3 MiB (several 1 MiB stream chunks), different for each seed. */
function bigState(seed: number) {
  const rows = new Float32Array(860_001)
  for (let i = 0; i < rows.length; i++) rows[i] = Math.fround(Math.sin(i * 0.001 + seed))
  return { seed, rows, codes: new Uint8Array(3).fill(seed) }
}

let redis: RedisServer | undefined
const directory = mkdtempSync(join(tmpdir(), 'kv-stream-'))
beforeAll(async () => {
  if (available) redis = await RedisServer.start()
})
afterAll(async () => {
  await redis?.dispose()
  rmSync(directory, { recursive: true, force: true })
})

const stores: [string, () => KVStore][] = [
  ['MemoryStore', () => new MemoryStore()],
  ['DirectoryStore', () => new DirectoryStore(mkdtempSync(join(directory, 'd-')))],
]
if (available)
  stores.push(['RedisStore', () => RedisStore.connect((redis as RedisServer).url, { prefix: 's:' })])

describe.each(stores)('%s: streamed reads', (name, open) => {
  it('getStream gives a multi-MiB state in chunks of at most 1 MiB; getState reads it back exactly', async () => {
    const store = open()
    const state = bigState(1)
    expect(await store.put('big', encodeState(state, header))).toBe(true)
    const source = (await store.getStream?.('big')) as AsyncIterable<Uint8Array>
    let chunks = 0
    const sizes: number[] = []
    async function* counted() {
      for await (const chunk of source) {
        chunks++
        sizes.push(chunk.length)
        yield chunk
      }
    }
    expectSameState((await readState(counted(), { expect: header })).state, state)
    expect(chunks).toBeGreaterThanOrEqual(4)
    expect(Math.max(...sizes)).toBeLessThanOrEqual(1 << 20)
    expectSameState(await getState(store, 'big', header), state)
    await store.close()
  })

  it('an entry replaced while it is streamed: the old state, the new one or an error, never a mix', async () => {
    const store = open()
    const [one, two] = [bigState(1), bigState(2)]
    expect(await store.put('k', encodeState(one, header))).toBe(true)
    const source = (await store.getStream?.('k')) as AsyncIterable<Uint8Array>
    let replaced = false
    async function* replacing() {
      for await (const chunk of source) {
        yield chunk
        if (!replaced) {
          replaced = true
          expect(await store.put('k', encodeState(two, header))).toBe(true)
        }
      }
    }
    const outcome = await readState<{ seed: number }>(replacing(), { expect: header }).catch((e) => e)
    expect(replaced).toBe(true)
    // Memory and files keep the version being read (a value array, an open file); Redis ranges come from
    // the new value, and the format refuses the splice.
    if (name === 'RedisStore') {
      expect(outcome).toBeInstanceOf(StoreFormatError)
      expect(String(outcome)).toMatch(/digest|checksum|truncated|unread|overrun/)
    } else expectSameState(outcome.state, one)
    expectSameState(await getState(store, 'k', header), two)
    await store.close()
  })
})

describe('DirectoryStore: a damaged entry found while streaming', () => {
  it('the iteration throws at the end (checksum), the entry is removed, getState is a miss', async () => {
    const folder = mkdtempSync(join(directory, 'damaged-'))
    const store = new DirectoryStore(folder)
    await store.put('k', encodeState(bigState(3), header))
    const [file] = readdirSync(folder).filter((name) => name.endsWith('.kve'))
    const path = join(folder, file as string)
    const bytes = readFileSync(path)
    bytes[2_000_000] = (bytes[2_000_000] as number) ^ 0x10
    writeFileSync(path, bytes)
    const source = (await store.getStream('k')) as AsyncIterable<Uint8Array>
    await expect(readState(source)).rejects.toThrow(/checksum/)
    expect(await store.get('k')).toBeUndefined()
    expect(await getState(store, 'k', header)).toBeUndefined()
  })
})

describe.skipIf(!available)('RedisStore: an entry deleted while it is streamed', () => {
  it('a short read is an error, never a state', async () => {
    const store = RedisStore.connect((redis as RedisServer).url, { prefix: 'del:' })
    await store.put('k', encodeState(bigState(4), header))
    const source = (await store.getStream('k')) as AsyncIterable<Uint8Array>
    let first = true
    async function* deleting() {
      for await (const chunk of source) {
        yield chunk
        if (first) await store.delete('k')
        first = false
      }
    }
    await expect(readState(deleting())).rejects.toThrow(/removed while it was read/)
    await store.close()
  })
})
