import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, expect, it } from 'vitest'
import { DirectoryStore } from '../src/node/index.js'

const directory = mkdtempSync(join(tmpdir(), 'kv-store-crash-'))
afterAll(() => rmSync(directory, { recursive: true, force: true }))

it('a writer killed mid-write leaves the old entry readable and no corrupt one', async () => {
  const store = new DirectoryStore(directory)
  await store.put('victim', new Uint8Array([1, 2, 3]))
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(new URL('./support/slow-writer.ts', import.meta.url)), directory],
    { cwd: fileURLToPath(new URL('../../..', import.meta.url)), stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let stderr = ''
  child.stderr.on('data', (data) => {
    stderr += data
  })
  // Kill it once it has written a few chunks into its temp file.
  await new Promise<void>((resolve, reject) => {
    child.on('exit', () => reject(new Error(`the writer exited on its own: ${stderr}`)))
    child.stdout.on('data', (data: Buffer) => {
      if (data.toString().includes('chunk 3')) resolve()
    })
  })
  child.removeAllListeners('exit')
  const exited = new Promise((resolve) => child.on('exit', resolve))
  child.kill('SIGKILL')
  expect(await exited).toBe(null)
  const files = readdirSync(directory)
  expect(files.some((name) => name.startsWith('.tmp-'))).toBe(true) // the killed writer's temp file
  expect(Array.from((await store.get('victim')) ?? [])).toEqual([1, 2, 3])
  // A sweep long after removes the left-over temp file.
  const later = new DirectoryStore(directory, { now: () => Date.now() + 3_600_000 })
  expect(await later.sweep()).toBe(1)
  expect(readdirSync(directory).some((name) => name.startsWith('.tmp-'))).toBe(false)
}, 30_000)
