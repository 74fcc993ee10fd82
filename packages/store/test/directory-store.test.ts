import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { DirectoryStore, entryFileName } from '../src/node/index.js'
import { storeContract } from './support/store-contract.js'

const root = mkdtempSync(join(tmpdir(), 'kv-store-dir-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))
let folders = 0

function openStore(now: () => number, maxBytes = 1_000) {
  return new DirectoryStore(join(root, `s${folders++}`), { maxBytes, now })
}

describe('DirectoryStore', () => {
  storeContract(async () => {
    let now = Date.now()
    const store = openStore(() => now)
    return {
      store,
      // mtime is the LRU order: let the clock of the file system move too.
      advance: async (ms) => {
        now += ms
        await new Promise((resolve) => setTimeout(resolve, Math.min(ms, 20)))
      },
    }
  })

  it('keys with any characters map to distinct safe file names', () => {
    const names = ['a', 'A', 'a/b', '../x', 'ünï', 'a b', 'k'].map(entryFileName)
    expect(new Set(names).size).toBe(names.length)
    for (const name of names) expect(name).toMatch(/^[A-Za-z0-9_.-]+$/)
  })

  it('a partial temp file is never read; a torn entry file is a miss and is removed', async () => {
    const store = openStore(Date.now)
    await store.put('kept', new Uint8Array([7, 7, 7]))
    writeFileSync(join(store.directory, '.tmp-99999-abcdef'), new Uint8Array([1, 2]))
    expect(Array.from((await store.get('kept')) ?? [])).toEqual([7, 7, 7])
    const entry = join(store.directory, entryFileName('torn'))
    await store.put('torn', new Uint8Array(100).fill(5))
    const whole = readdirSync(store.directory)
    expect(whole).toContain(entryFileName('torn'))
    // What a disk that lied about fsync could leave: the head and part of the value.
    const { readFileSync } = await import('node:fs')
    writeFileSync(entry, readFileSync(entry).subarray(0, 60))
    const faults: string[] = []
    const watched = new DirectoryStore(store.directory, { onFault: (f) => faults.push(String(f.error)) })
    expect(await watched.get('torn')).toBeUndefined()
    expect(faults.join()).toMatch(/corrupt \(value checksum mismatch\)/)
    expect(readdirSync(store.directory)).not.toContain(entryFileName('torn'))
  })

  it('two writers of one key at once: the entry is exactly one of the two values', async () => {
    const store = openStore(Date.now, 1 << 24)
    const one = new Uint8Array(300_000).fill(1)
    const two = new Uint8Array(300_000).fill(2)
    for (let round = 0; round < 5; round++) {
      expect(await Promise.all([store.put('k', one), store.put('k', two)])).toEqual([true, true])
      const got = (await store.get('k')) as Uint8Array
      expect(Buffer.compare(got, one) === 0 || Buffer.compare(got, two) === 0).toBe(true)
    }
    expect(readdirSync(store.directory).filter((name) => name.startsWith('.tmp-'))).toEqual([])
  })
})
