import { fc, test } from '@fast-check/vitest'
import { describe, expect, it } from 'vitest'
import { MemoryStore, PrefixCache, prefixKeys, type StoreFault } from '../src/index.js'
import { ToyCache, toyModel } from './support/toy-model.js'

const options = { identity: 'toy', pipeline: 'toy:1', chunkTokens: 8 }

describe('prefix keys', () => {
  it('one key per full chunk; a key depends on every token before it, the model and the pipeline', () => {
    const tokens = Array.from({ length: 20 }, (_, i) => i)
    const keys = prefixKeys('toy', 'toy:1', tokens, 8)
    expect(keys).toHaveLength(2)
    expect(prefixKeys('toy', 'toy:1', tokens.slice(0, 16), 8)).toEqual(keys)
    expect(prefixKeys('toy', 'toy:1', [1, ...tokens.slice(1)], 8)[1]).not.toBe(keys[1])
    expect(prefixKeys('toy', 'toy:2', tokens, 8)[0]).not.toBe(keys[0])
    expect(prefixKeys('toy2', 'toy:1', tokens, 8)[0]).not.toBe(keys[0])
  })
})

describe('PrefixCache', () => {
  test.prop([
    fc.array(fc.integer({ min: 0, max: 999 }), { minLength: 1, maxLength: 40 }),
    fc.nat({ max: 40 }),
    fc.constantFrom('every' as const, 'last' as const),
  ])(
    'warm equals cold bit for bit, restoring the longest restorable prefix',
    async (prompt, cut, boundaries) => {
      const prefixes = new PrefixCache(new MemoryStore(), { ...options, boundaries })
      const first = prompt.slice(0, Math.max(1, cut % (prompt.length + 1)))
      await prefixes.prefill(toyModel, new ToyCache(), first)
      const cold = await new PrefixCache(new MemoryStore(), options).prefill(toyModel, new ToyCache(), prompt)
      const warm = await prefixes.prefill(toyModel, new ToyCache(), prompt)
      expect(Buffer.from(warm.logits.buffer).equals(Buffer.from(cold.logits.buffer))).toBe(true)
      const shared = Math.min(first.length, prompt.length - 1)
      // Every boundary of the first prompt, or (`last`) only its last one, if the second prompt reaches it.
      const lastOfFirst = Math.floor(first.length / 8) * 8
      const expected =
        boundaries === 'every' ? Math.floor(shared / 8) * 8 : lastOfFirst <= shared ? lastOfFirst : 0
      expect(warm.restoredTokens).toBe(expected)
      expect(warm.restoredTokens + warm.computedTokens).toBe(prompt.length)
      // Run again: the second prompt's own last boundary is now stored too.
      const again = await prefixes.prefill(toyModel, new ToyCache(), prompt)
      expect(again.restoredTokens).toBe(Math.floor((prompt.length - 1) / 8) * 8)
      expect(Buffer.from(again.logits.buffer).equals(Buffer.from(cold.logits.buffer))).toBe(true)
    },
  )

  it('a corrupt, evicted or foreign entry is skipped: the run prefills what it could not restore', async () => {
    const store = new MemoryStore()
    const faults: StoreFault[] = []
    const prefixes = new PrefixCache(store, { ...options, onFault: (f) => faults.push(f) })
    const prompt = Array.from({ length: 30 }, (_, i) => (i * 7) % 13)
    const cold = await prefixes.prefill(toyModel, new ToyCache(), prompt)
    expect(cold.storedChunks).toBe(3)
    const keys = prefixKeys('toy', 'toy:1', prompt, 8)
    // Corrupt the longest (24 tokens): a checksum error, so the 16-token state is used.
    const entry = (await store.get(keys[2] as string)) as Uint8Array
    entry[entry.length - 20] = (entry[entry.length - 20] as number) ^ 1
    const warm = await prefixes.prefill(toyModel, new ToyCache(), prompt)
    expect(warm.restoredTokens).toBe(16)
    expect(Buffer.from(warm.logits.buffer).equals(Buffer.from(cold.logits.buffer))).toBe(true)
    expect(String(faults[0]?.error)).toMatch(/crc32|checksum/)
    // Evicted: the 8-token state remains.
    await store.delete(keys[1] as string)
    await store.delete(keys[2] as string)
    expect((await prefixes.lookup(prompt))?.tokens).toBe(8)
    // Another pipeline's entry under the same key (a collision): refused by the header check.
    const foreign = new MemoryStore()
    await new PrefixCache(foreign, { ...options, pipeline: 'toy:2' }).prefill(
      toyModel,
      new ToyCache(),
      prompt,
    )
    const foreignKey = prefixKeys('toy', 'toy:2', prompt, 8)[0] as string
    await store.put(keys[0] as string, (await foreign.get(foreignKey)) as Uint8Array)
    expect(await prefixes.lookup(prompt)).toBeUndefined()
    expect(String(faults.at(-1)?.error)).toMatch(/pipeline "toy:2", expected "toy:1"/)
  })

  it('the whole prompt on a boundary: the last chunk still runs (its logits are needed)', async () => {
    const prefixes = new PrefixCache(new MemoryStore(), options)
    const prompt = Array.from({ length: 16 }, (_, i) => i)
    await prefixes.prefill(toyModel, new ToyCache(), prompt)
    const again = await prefixes.prefill(toyModel, new ToyCache(), prompt)
    expect(again.restoredTokens).toBe(8)
    expect(again.computedTokens).toBe(8)
  })

  it('a chunk rewritten by another writer ends the chain there; the next run stores the rest again', async () => {
    const store = new MemoryStore()
    const faults: StoreFault[] = []
    const prefixes = new PrefixCache(store, { ...options, onFault: (f) => faults.push(f) })
    const prompt = Array.from({ length: 30 }, (_, i) => (i * 5) % 11)
    await prefixes.prefill(toyModel, new ToyCache(), prompt)
    expect((await prefixes.lookup(prompt))?.tokens).toBe(24)
    // Another worker wrote the same first chunk (same bytes of state, another nonce) over this one.
    const other = new MemoryStore()
    await new PrefixCache(other, options).prefill(toyModel, new ToyCache(), prompt)
    const keys = prefixKeys('toy', 'toy:1', prompt, 8)
    await store.put(keys[0] as string, (await other.get(keys[0] as string)) as Uint8Array)
    expect((await prefixes.lookup(prompt))?.tokens).toBe(8)
    expect(String(faults.at(-1)?.error)).toMatch(/chunk 2 was written after another chunk 1/)
    const healed = await prefixes.prefill(toyModel, new ToyCache(), prompt)
    expect([healed.restoredTokens, healed.storedChunks]).toEqual([8, 2])
    expect((await prefixes.lookup(prompt))?.tokens).toBe(24)
  })

  it('a store that fails a put ends the chain: no later chunk refers to the missing one', async () => {
    const store = new MemoryStore()
    let puts = 0
    const flaky = Object.assign(Object.create(store), {
      put: (...args: Parameters<MemoryStore['put']>) =>
        ++puts === 2 ? Promise.resolve(false) : store.put(...args),
    }) as MemoryStore
    const prefixes = new PrefixCache(flaky, options)
    const prompt = Array.from({ length: 40 }, (_, i) => i)
    const cold = await prefixes.prefill(toyModel, new ToyCache(), prompt)
    expect([cold.storedChunks, puts]).toEqual([1, 2])
    expect((await prefixes.lookup(prompt))?.tokens).toBe(8)
  })

  it("boundaries: 'last': a state written against an older version of the chain is refused, then stored again", async () => {
    const store = new MemoryStore()
    const faults: StoreFault[] = []
    const last = { ...options, boundaries: 'last' as const, onFault: (f: StoreFault) => faults.push(f) }
    const prefixes = new PrefixCache(store, last)
    const prompt = Array.from({ length: 27 }, (_, i) => (i * 3) % 17)
    const cold = await prefixes.prefill(toyModel, new ToyCache(), prompt)
    expect(cold.storedChunks).toBe(3)
    expect((await prefixes.lookup(prompt))?.tokens).toBe(24)
    // Another worker stored the same chunks (other nonces) over these, but its state went elsewhere.
    const other = new MemoryStore()
    await new PrefixCache(other, last).prefill(toyModel, new ToyCache(), prompt)
    for (const key of prefixKeys('toy', 'toy:1', prompt, 8))
      await store.put(key, (await other.get(key)) as Uint8Array)
    expect(await prefixes.lookup(prompt)).toBeUndefined()
    expect(String(faults.at(-1)?.error)).toMatch(/written against another version of the chain/)
    const again = await prefixes.prefill(toyModel, new ToyCache(), prompt)
    expect([again.restoredTokens, again.storedChunks]).toEqual([0, 0])
    expect(again.storedBytes).toBeGreaterThan(0) // the state, against the chain as it is now
    const warm = await prefixes.prefill(toyModel, new ToyCache(), prompt)
    expect(warm.restoredTokens).toBe(24)
    expect(Buffer.from(warm.logits.buffer).equals(Buffer.from(cold.logits.buffer))).toBe(true)
  })

  it('a restored state the cache refuses: the prompt runs cold, nothing fails', async () => {
    const faults: StoreFault[] = []
    const store = new MemoryStore()
    const prompt = Array.from({ length: 20 }, (_, i) => i)
    await new PrefixCache(store, options).prefill(toyModel, new ToyCache(), prompt)
    class PickyCache extends ToyCache {
      override loadState(): void {
        throw new RangeError('layer 0 head 0: blocks must be an array')
      }
    }
    const prefixes = new PrefixCache(store, { ...options, onFault: (f) => faults.push(f) })
    const run = await prefixes.prefill(toyModel, new PickyCache(), prompt)
    const cold = await new PrefixCache(new MemoryStore(), options).prefill(toyModel, new ToyCache(), prompt)
    expect(run.restoredTokens).toBe(0)
    expect(Buffer.from(run.logits.buffer).equals(Buffer.from(cold.logits.buffer))).toBe(true)
    expect(String(faults[0]?.error)).toMatch(/blocks must be an array/)
  })
})
