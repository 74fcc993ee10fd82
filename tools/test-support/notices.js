// vitest globalSetup: one folder per test run where `noteSkip` marks the notices it has printed; the
// test workers inherit its path through the environment.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { NOTICES_ENV } from './skip.js'

export default function setup() {
  const folder = mkdtempSync(join(tmpdir(), 'kv-skip-notices-'))
  process.env[NOTICES_ENV] = folder
  return () => rmSync(folder, { recursive: true, force: true })
}
