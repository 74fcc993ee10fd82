// `prepack` of every package: `pnpm pack` / `pnpm publish` never ship a tarball without an up-to-date `dist`.
// Builds the package (its `build` script, tsup) when `dist` lacks an entry named in publishConfig, or when a
// source file is newer than the oldest built file; then checks that every published entry and bin exists.
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'

const folder = process.cwd()
const manifest = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8'))
const targets = [
  ...Object.values(manifest.publishConfig?.exports ?? {}).flatMap((entry) =>
    typeof entry === 'string' ? [entry] : Object.values(entry),
  ),
  ...Object.values(manifest.publishConfig?.bin ?? {}),
].map((target) => join(folder, target))

function files(path) {
  if (!existsSync(path)) return []
  if (!statSync(path).isDirectory()) return [path]
  return readdirSync(path).flatMap((entry) => files(join(path, entry)))
}
const mtimes = (paths) => paths.map((path) => statSync(path).mtimeMs)

const built = files(join(folder, 'dist'))
const sources = [...files(join(folder, 'src')), ...files(join(folder, 'tsup.config.ts'))]
const missing = targets.filter((target) => !existsSync(target))
const stale = built.length > 0 && Math.max(...mtimes(sources)) > Math.min(...mtimes(built))
if (missing.length > 0 || stale) {
  console.error(
    `${manifest.name}: prepack: building (${missing.length > 0 ? 'dist incomplete' : 'src newer than dist'})`,
  )
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: folder, stdio: ['ignore', 'ignore', 'inherit'] })
}
const stillMissing = targets.filter((target) => !existsSync(target))
if (stillMissing.length > 0) {
  console.error(`${manifest.name}: prepack: the build did not produce ${stillMissing.join(', ')}`)
  process.exit(1)
}
