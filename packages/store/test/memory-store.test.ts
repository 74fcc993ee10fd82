import { describe, expect, it } from 'vitest'
import { MemoryStore } from '../src/index.js'
import { storeContract } from './support/store-contract.js'

describe('MemoryStore', () => {
  storeContract(async () => {
    let now = 1_000_000
    const store = new MemoryStore({ maxBytes: 1_000, now: () => now })
    return {
      store,
      advance: async (ms) => {
        now += ms
      },
    }
  })

  it('keeps a copy of the value, even of a Node Buffer', async () => {
    const store = new MemoryStore()
    const value = Buffer.from([1, 2, 3])
    await store.put('k', value)
    value[0] = 9
    expect(Array.from((await store.get('k')) ?? [])).toEqual([1, 2, 3])
  })
})
