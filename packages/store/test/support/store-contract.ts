import { expect, it } from 'vitest'
import { concatChunks, type KVStore } from '../../src/index.js'

/** What every KVStore must do, run against a fresh store from `open` (with a 1,000-byte budget). */
export function storeContract(
  open: () => Promise<{ store: KVStore; advance: (ms: number) => Promise<void> }>,
) {
  it('put, get, has, delete; a miss is undefined', async () => {
    const { store } = await open()
    expect(await store.get('absent')).toBeUndefined()
    expect(await store.has('absent')).toBe(false)
    expect(await store.put('a', new Uint8Array([1, 2, 3]))).toBe(true)
    expect(await store.has('a')).toBe(true)
    expect(Array.from((await store.get('a')) ?? [])).toEqual([1, 2, 3])
    expect(await store.put('a', new Uint8Array([4]))).toBe(true)
    expect(Array.from((await store.get('a')) ?? [])).toEqual([4])
    expect(await store.delete('a')).toBe(true)
    expect(await store.delete('a')).toBe(false)
    expect(await store.get('a')).toBeUndefined()
    expect(await store.put('empty', new Uint8Array(0))).toBe(true)
    expect((await store.get('empty'))?.length).toBe(0)
    await store.close()
  })

  it('getStream gives the bytes of get as chunks; a miss is undefined', async () => {
    const { store } = await open()
    expect(await store.getStream?.('absent')).toBeUndefined()
    const value = Uint8Array.from({ length: 777 }, (_, i) => (i * 13) & 0xff)
    await store.put('s', value)
    const source = await store.getStream?.('s')
    if (store.getStream !== undefined) expect(source).toBeDefined()
    if (source !== undefined) expect(Array.from(await concatChunks(source))).toEqual(Array.from(value))
    await store.close()
  })

  it('takes a value as chunks (async iterable)', async () => {
    const { store } = await open()
    async function* chunks() {
      yield new Uint8Array([1, 2])
      yield new Uint8Array([])
      yield new Uint8Array([3])
    }
    expect(await store.put('chunked', chunks())).toBe(true)
    expect(Array.from((await store.get('chunked')) ?? [])).toEqual([1, 2, 3])
    await store.close()
  })

  it('TTL: an entry past its time to live is a miss', async () => {
    const { store, advance } = await open()
    await store.put('short', new Uint8Array([1]), { ttlMs: 1_000 })
    await store.put('long', new Uint8Array([2]), { ttlMs: 60_000 })
    await store.put('forever', new Uint8Array([3]))
    await advance(1_500)
    expect(await store.has('short')).toBe(false)
    expect(await store.get('short')).toBeUndefined()
    expect((await store.get('long'))?.[0]).toBe(2)
    expect((await store.get('forever'))?.[0]).toBe(3)
    await expect(store.put('bad', new Uint8Array(1), { ttlMs: -1 })).rejects.toThrow(/ttlMs/)
    await store.close()
  })

  it('byte budget: least recently used entries go first; a value over the budget is refused', async () => {
    const { store, advance } = await open()
    await store.put('one', new Uint8Array(400).fill(1))
    await advance(10)
    await store.put('two', new Uint8Array(400).fill(2))
    await advance(10)
    expect((await store.get('one'))?.[0]).toBe(1) // `one` is now the most recently used
    await advance(10)
    await store.put('three', new Uint8Array(400).fill(3))
    expect(await store.has('two')).toBe(false)
    expect((await store.get('one'))?.[399]).toBe(1)
    expect((await store.get('three'))?.[0]).toBe(3)
    expect(await store.put('huge', new Uint8Array(1_001))).toBe(false)
    expect(await store.get('huge')).toBeUndefined()
    await store.close()
  })
}
