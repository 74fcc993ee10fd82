// Checks the built packages: publint on what `pnpm pack` would publish, then an import of every dist entry
// (with @kv/* resolved to the other packages' dist, as after a registry install).
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { publint } from 'publint'
import { formatMessage } from 'publint/utils'

const root = fileURLToPath(new URL('../../packages/', import.meta.url))
let failures = 0
for (const name of readdirSync(root).sort()) {
  const folder = join(root, name)
  const manifestPath = join(folder, 'package.json')
  if (!existsSync(manifestPath)) continue
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'))
  const { messages } = await publint({ pkgDir: folder, pack: 'pnpm', level: 'warning' })
  for (const message of messages) {
    console.log(
      `${manifest.name}: publint ${message.type}: ${formatMessage(message, manifest) ?? message.code}`,
    )
    if (message.type === 'error') failures++
  }
  for (const [subpath, entry] of Object.entries(manifest.publishConfig?.exports ?? {})) {
    const target = join(folder, typeof entry === 'string' ? entry : entry.import)
    try {
      execFileSync(
        process.execPath,
        [
          '--import',
          fileURLToPath(new URL('./register.mjs', import.meta.url)),
          '-e',
          `import(${JSON.stringify(target)}).then((m) => { if (Object.keys(m).length === 0 && ${JSON.stringify(subpath)} === '.') throw new Error('no exports') })`,
        ],
        { stdio: 'pipe' },
      )
      console.log(`${manifest.name}${subpath.slice(1)}: imported ${entry.import ?? entry}`)
    } catch (error) {
      failures++
      console.log(
        `${manifest.name}${subpath.slice(1)}: import of ${target} failed:\n${error.stderr?.toString() ?? error}`,
      )
    }
  }
  for (const [command, target] of Object.entries(manifest.publishConfig?.bin ?? {})) {
    try {
      const register = fileURLToPath(new URL('./register.mjs', import.meta.url))
      execFileSync(process.execPath, ['--import', register, join(folder, target), 'inspect'], {
        stdio: 'pipe',
      })
      console.log(
        `${manifest.name}: bin ${command} (${target}) runs \`${command} inspect\` on the embedded model`,
      )
    } catch (error) {
      failures++
      console.log(`${manifest.name}: bin ${command} failed:\n${error.stderr?.toString() ?? error}`)
    }
  }
}
if (failures > 0) {
  console.error(`verify:dist: ${failures} problem(s)`)
  process.exit(1)
}
console.log('verify:dist: every package built, publint clean, every dist entry imports')
