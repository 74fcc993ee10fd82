// What a user gets who installs @kv/runtime alone (with @kv/cache and @kv/tensor, its dependencies), from the
// packed tarballs, with npm, in an empty folder: the root entry imports with none of the optional peers
// installed; asking for the WebGPU accelerator or the embedded model without their packages is an error naming
// the package to install. check.mjs runs it in its folder of those three packages; on its own (after
// `pnpm build`): node tools/consumer-check/runtime-alone.mjs
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { installInto } from './install.mjs'
import { bytes, installClosure, packAll } from './pack.mjs'

const CHECK = `
import assert from 'node:assert/strict'
const runtime = await import('@kv/runtime')
assert.equal(typeof runtime.modelFromBytes, 'function')
assert.equal(typeof runtime.KVCache, 'function')
const { webgpuAccelerator } = await import('@kv/runtime/webgpu')
await assert.rejects(webgpuAccelerator({ numLayers: 1, numKVHeads: 1, numHeads: 1, headDim: 8 }, { maxTokens: 8 }), /install it next to @kv\\/runtime \\(npm install @kv\\/kernels-webgpu\\)/)
const { loadModel } = await import('@kv/runtime/node')
await assert.rejects(loadModel(), /@kv\\/model-kvtiny/)
`

/** `app`: a folder where npm installed exactly @kv/cache, @kv/runtime and @kv/tensor. */
export function checkRuntimeAlone(app) {
  writeFileSync(join(app, 'runtime-alone.mjs'), CHECK)
  execFileSync(process.execPath, ['runtime-alone.mjs'], { cwd: app, stdio: 'inherit' })
  const mb = (n) => `${(n / 1e6).toFixed(2)} MB`
  return (
    `@kv/runtime imports alone; webgpu and the embedded model name their packages; install size: ` +
    `@kv/runtime ${mb(bytes(join(app, 'node_modules/@kv/runtime')))}, @kv/* ${mb(bytes(join(app, 'node_modules/@kv')))}, ` +
    `everything installed ${mb(bytes(join(app, 'node_modules')))}`
  )
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const work = mkdtempSync(join(tmpdir(), 'kv-consumer-'))
  const names = installClosure(['@kv/runtime'])
  mkdirSync(join(work, 'packs'))
  const packed = packAll(names, join(work, 'packs'))
  await installInto(
    join(work, 'app'),
    names.map((name) => packed.get(name).tarball),
    names,
  )
  console.log(`consumer-check: ${checkRuntimeAlone(join(work, 'app'))}`)
}
