// Empty folders outside the workspace with some packed tarballs installed by npm, as a user would.
import { execFile } from 'node:child_process'
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/**
 * Installs `tarballs` (and `extra` registry packages) into a new folder `folder` with npm; checks that the
 * @kv packages installed are exactly `expected`. Prefers npm's cache to the network.
 */
export async function installInto(folder, tarballs, expected, extra = []) {
  mkdirSync(folder, { recursive: true })
  writeFileSync(
    join(folder, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
  )
  const started = performance.now()
  try {
    await run(
      'npm',
      ['install', '--no-audit', '--no-fund', '--loglevel=error', '--prefer-offline', ...tarballs, ...extra],
      { cwd: folder, maxBuffer: 64 << 20 },
    )
  } catch (error) {
    throw new Error(`npm install in ${folder} failed:\n${error.stderr ?? error}`)
  }
  const installed = readdirSync(join(folder, 'node_modules/@kv'))
    .map((name) => `@kv/${name}`)
    .sort()
  if (installed.join() !== [...expected].sort().join()) {
    throw new Error(`${folder}: expected ${expected.join(', ')} installed, got ${installed.join(', ')}`)
  }
  return (performance.now() - started) / 1000
}

/** Runs `tasks` (functions returning promises), at most `limit` at a time; results in order. */
export async function pool(tasks, limit) {
  const results = new Array(tasks.length)
  let next = 0
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++
      results[i] = await tasks[i]()
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker))
  return results
}
