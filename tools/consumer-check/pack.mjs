// Packs workspace packages as `pnpm publish` would (workspace: ranges rewritten, publishConfig applied,
// prepack building dist when needed) and works out which @kv packages an install of some of them needs.
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const root = fileURLToPath(new URL('../../', import.meta.url))

/** Manifests of the publishable packages, by name (`@kv/tensor` → { folder, manifest }). */
export function workspacePackages() {
  const packages = new Map()
  for (const entry of readdirSync(join(root, 'packages')).sort()) {
    const folder = join(root, 'packages', entry)
    let manifest
    try {
      manifest = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8'))
    } catch {
      continue
    }
    if (!manifest.private) packages.set(manifest.name, { folder, manifest })
  }
  return packages
}

/** `pnpm pack` of each named package into `destination`; returns name → { tarball, bytes }. */
export function packAll(names, destination) {
  const packages = workspacePackages()
  const packed = new Map()
  for (const name of names) {
    const pkg = packages.get(name)
    if (!pkg) throw new Error(`pack: ${name} is not a publishable package of packages/`)
    const out = execFileSync('pnpm', ['pack', '--pack-destination', destination], {
      cwd: pkg.folder,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    const tarball = out.trim().split('\n').pop()
    if (!tarball.endsWith('.tgz')) throw new Error(`pack: ${name}: pnpm pack printed no tarball:\n${out}`)
    packed.set(name, { tarball, bytes: statSync(tarball).size })
  }
  return packed
}

/**
 * The @kv packages an install of `names` needs: the names, their @kv dependencies and their required (not
 * optional) @kv peers, transitively. npm would otherwise fetch a missing peer from the registry.
 */
export function installClosure(names) {
  const packages = workspacePackages()
  const needed = new Set()
  const visit = (name) => {
    if (needed.has(name)) return
    const pkg = packages.get(name)
    if (!pkg) throw new Error(`${name} is not a package of this workspace`)
    needed.add(name)
    const { dependencies = {}, peerDependencies = {}, peerDependenciesMeta = {} } = pkg.manifest
    for (const dep of Object.keys(dependencies)) if (dep.startsWith('@kv/')) visit(dep)
    for (const peer of Object.keys(peerDependencies)) {
      if (peer.startsWith('@kv/') && !peerDependenciesMeta[peer]?.optional) visit(peer)
    }
  }
  for (const name of names) visit(name)
  return [...needed].sort()
}

/** Total size in bytes of a file or folder. */
export function bytes(path) {
  const stat = statSync(path)
  if (!stat.isDirectory()) return stat.size
  return readdirSync(path).reduce((sum, entry) => sum + bytes(join(path, entry)), 0)
}
