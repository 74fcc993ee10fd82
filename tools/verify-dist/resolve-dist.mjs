// Resolves `@kv/<name>[/sub]` to the built `dist` entry named in the package's publishConfig.exports,
// so that built packages are imported the way a user gets them from the registry (not the workspace sources).
import { readFileSync } from 'node:fs'
import { pathToFileURL } from 'node:url'

const root = new URL('../../packages/', import.meta.url)

export async function resolve(specifier, context, next) {
  const match = /^@kv\/([\w-]+)(\/.*)?$/.exec(specifier)
  if (!match) return next(specifier, context)
  const folder = new URL(`${match[1]}/`, root)
  const manifest = JSON.parse(readFileSync(new URL('package.json', folder), 'utf8'))
  const entry = manifest.publishConfig?.exports?.[`.${match[2] ?? ''}`]
  const target = typeof entry === 'string' ? entry : entry?.import
  if (!target) throw new Error(`${specifier}: no publishConfig.exports entry in ${manifest.name}`)
  return { url: pathToFileURL(new URL(target, folder).pathname).href, shortCircuit: true }
}
