// Why tests are skipped, printed once per test run: several test files skip for the same missing piece
// (a WebGPU adapter, Chromium, redis-server), and the reader needs the reason once, not once per file.
import { createHash } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

/** The environment variable naming the folder where the run's notices are marked (set by `notices.js`). */
export const NOTICES_ENV = 'KV_SKIP_NOTICES'

export function noteSkip(message) {
  const folder = process.env[NOTICES_ENV]
  if (folder !== undefined) {
    const mark = join(folder, createHash('sha256').update(message).digest('hex').slice(0, 16))
    try {
      writeFileSync(mark, message, { flag: 'wx' })
    } catch (error) {
      if (error.code === 'EEXIST') return
      throw error
    }
  }
  console.warn(message)
}

export function requireOrSkip(available, what, requireEnv, fix) {
  if (available) return true
  if (process.env[requireEnv] === '1') throw new Error(`${requireEnv}=1 but ${what}`)
  noteSkip(`${what}: the tests that need it are skipped (${fix}; ${requireEnv}=1 makes this a failure)`)
  return false
}

export function skipWithoutAdapter(reason) {
  requireOrSkip(
    false,
    reason,
    'KV_REQUIRE_GPU',
    'a Vulkan driver gives one: apt-get install -t bookworm-backports mesa-vulkan-drivers, as .ci/run does',
  )
}
