import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, expect, it } from 'vitest'
import { StoreFormatError } from '../src/index.js'
import { readStateFile, writeStateFile } from '../src/node/index.js'
import { expectSameState } from './support/same-state.js'
import { awkwardState } from './support/states.js'

const directory = mkdtempSync(join(tmpdir(), 'kv-state-file-'))
afterAll(() => rmSync(directory, { recursive: true, force: true }))
const header = { identity: 'm', pipeline: 'gear:bits=4' }

it('writes a state file atomically and streams it back; a damaged file is a StoreFormatError', async () => {
  const path = join(directory, 'chat.kvs')
  const big = { ...awkwardState(), rows: new Float32Array(200_000).map((_, i) => Math.sin(i)) }
  const written = await writeStateFile(path, big, header, { sectionBytes: 100_000 })
  expect(readFileSync(path).length).toBe(written)
  expect(readdirSync(directory)).toEqual(['chat.kvs']) // no temp file left
  expectSameState((await readStateFile(path, { expect: header })).state, big)
  const bytes = readFileSync(path)
  writeFileSync(path, bytes.subarray(0, bytes.length - 100))
  await expect(readStateFile(path)).rejects.toThrow(StoreFormatError)
  await expect(readStateFile(join(directory, 'absent.kvs'))).rejects.toThrow(/ENOENT/)
})
