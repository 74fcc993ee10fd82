import { describe } from 'vitest'
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
})
