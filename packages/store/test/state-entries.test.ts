import { expect, it } from 'vitest'
import { getState, MemoryStore, putState, type StoreFault } from '../src/index.js'
import { expectSameState } from './support/same-state.js'
import { awkwardState } from './support/states.js'

it('putState / getState: the state back, or undefined (and a fault) for a miss, corruption, another pipeline', async () => {
  const store = new MemoryStore()
  const faults: StoreFault[] = []
  const header = { identity: 'm', pipeline: 'kivi:bits=4' }
  expect(await putState(store, 'chat', awkwardState(), header, { ttlMs: 60_000 })).toBe(true)
  expectSameState(await getState(store, 'chat', header), awkwardState())
  expect(await getState(store, 'absent', header)).toBeUndefined()
  expect(
    await getState(store, 'chat', { ...header, pipeline: 'kivi:bits=2' }, (f) => faults.push(f)),
  ).toBeUndefined()
  const bytes = (await store.get('chat')) as Uint8Array
  bytes[40] = (bytes[40] as number) ^ 0x10
  expect(await getState(store, 'chat', header, (f) => faults.push(f))).toBeUndefined()
  expect(faults.map((f) => String(f.error))).toEqual([
    expect.stringMatching(/pipeline/),
    expect.stringMatching(/StoreFormatError: .*graph section #1/),
  ])
})
