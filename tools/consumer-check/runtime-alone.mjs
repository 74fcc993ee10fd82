// What a user gets who installs @kv/runtime alone (with @kv/cache and @kv/tensor, its dependency and peer),
// from the tarballs `pnpm pack` makes of the built packages, with npm, in an empty folder outside the
// workspace: the root entry imports with none of the optional peers installed; asking for the WebGPU
// accelerator or the embedded model without their packages is an error naming the package to install.
// Prints the install size. Run after `pnpm build`: node tools/consumer-check/runtime-alone.mjs
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../../', import.meta.url))
const work = mkdtempSync(join(tmpdir(), 'kv-consumer-'))
const packs = join(work, 'packs')
const app = join(work, 'app')
execFileSync('mkdir', ['-p', packs, app])

const tarballs = ['tensor', 'cache', 'runtime'].map((name) => {
  const out = execFileSync('pnpm', ['pack', '--pack-destination', packs], {
    cwd: join(root, 'packages', name),
    encoding: 'utf8',
  })
  return out.trim().split('\n').pop()
})
writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }))
execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...tarballs], {
  cwd: app,
  stdio: 'inherit',
})

const installed = readdirSync(join(app, 'node_modules/@kv')).sort()
if (installed.join(',') !== 'cache,runtime,tensor') {
  throw new Error(
    `expected only @kv/cache, @kv/runtime and @kv/tensor installed, got ${installed.join(', ')}`,
  )
}

const check = `
import assert from 'node:assert/strict'
const runtime = await import('@kv/runtime')
assert.equal(typeof runtime.modelFromBytes, 'function')
assert.equal(typeof runtime.KVCache, 'function')
const { webgpuAccelerator } = await import('@kv/runtime/webgpu')
await assert.rejects(webgpuAccelerator({ numLayers: 1, numKVHeads: 1, numHeads: 1, headDim: 8 }, { maxTokens: 8 }), /install it next to @kv\\/runtime \\(npm install @kv\\/kernels-webgpu\\)/)
const { loadModel } = await import('@kv/runtime/node')
await assert.rejects(loadModel(), /@kv\\/model-kvtiny/)
console.log('consumer-check: @kv/runtime imports alone; webgpu and the embedded model name their packages')
`
writeFileSync(join(app, 'check.mjs'), check)
execFileSync(process.execPath, ['check.mjs'], { cwd: app, stdio: 'inherit' })

function bytes(path) {
  const stat = statSync(path)
  if (!stat.isDirectory()) return stat.size
  return readdirSync(path).reduce((sum, entry) => sum + bytes(join(path, entry)), 0)
}
const mb = (n) => `${(n / 1e6).toFixed(2)} MB`
console.log(
  `consumer-check: install size: @kv/runtime ${mb(bytes(join(app, 'node_modules/@kv/runtime')))}, ` +
    `@kv/* ${mb(bytes(join(app, 'node_modules/@kv')))}, everything installed ${mb(bytes(join(app, 'node_modules')))}`,
)
