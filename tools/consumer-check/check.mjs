// What a user installs, checked outside the workspace (run after `pnpm build`; .ci/run does):
// 1. every package packed as `pnpm publish` would (prepack builds a missing or stale dist);
// 2. every ```ts/```js block of every package README run as written with Node.js, in an empty folder where
//    npm installed only the packages the block imports (and what they need), from the tarballs;
// 3. @kv/runtime alone: its optional peers absent, errors name them (runtime-alone.mjs);
// 4. a consumer of every published entry type-checked with skipLibCheck off, moduleResolution nodenext and
//    bundler;
// 5. every browser-safe entry bundled for the browser, and run with the `runs-in: browser` README blocks in
//    headless Chromium.
// Closes with each example and the packages it installed, tarball and installed sizes, bundle sizes.
import { execFile, spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { transform } from 'esbuild'
import { runInBrowser } from './browser.mjs'
import { installInto, pool } from './install.mjs'
import { bytes, installClosure, packAll, workspacePackages } from './pack.mjs'
import { readmeExamples } from './readme-examples.mjs'
import { checkRequire } from './require.mjs'
import { checkRuntimeAlone } from './runtime-alone.mjs'
import { checkTypes } from './types.mjs'

const run = promisify(execFile)
/** Entries that need Node.js; every other published entry must bundle and load in a browser. */
const NODE_ONLY = new Set(['@kv/eval', '@kv/runtime/node', '@kv/store/node', '@kv/store/redis'])
/** Entries whose declarations use the WebGPU types (GPUDevice, ...). */
const GPU_TYPES = new Set(['@kv/kernels-webgpu', '@kv/runtime/webgpu'])
/** Entries that hold types only (an empty module at run time). */
const TYPES_ONLY = new Set(['@kv/tensor/contracts'])
const EXAMPLE_TIMEOUT_S = 180

const started = performance.now()
const seconds = (from) => ((performance.now() - from) / 1000).toFixed(1)
const timings = []
async function phase(name, body) {
  const from = performance.now()
  const result = await body()
  timings.push(`${name} ${seconds(from)} s`)
  console.log(`consumer-check: ${name}: ${seconds(from)} s`)
  return result
}

const work = mkdtempSync(join(tmpdir(), 'kv-consumer-'))
const packages = workspacePackages()
const names = [...packages.keys()]
const failures = []

const packed = await phase('pack', () => {
  mkdirSync(join(work, 'packs'))
  return packAll(names, join(work, 'packs'))
})

const examples = names.flatMap((name) => readmeExamples(join(packages.get(name).folder, 'README.md'), name))
const nodeExamples = examples.filter((example) => !example.skip && !example.browser)
const browserExamples = examples.filter((example) => !example.skip && example.browser)
for (const example of [...nodeExamples, ...browserExamples]) {
  if (example.imports.length === 0)
    failures.push(`${example.id}: imports no @kv package, so cannot run as written`)
}

// One folder per set of packages to install; examples needing the same set share it.
const folders = new Map()
const folderFor = (imports) => {
  const needed = installClosure(imports)
  const key = needed.join(' ')
  if (!folders.has(key)) folders.set(key, { path: join(work, `app-${folders.size}`), needed })
  return folders.get(key)
}
for (const example of nodeExamples)
  if (example.imports.length > 0) example.folder = folderFor(example.imports)
const alone = folderFor(['@kv/runtime'])
const full = { path: join(work, 'full'), needed: names }
await phase(`npm install (${folders.size + 1} folders)`, () =>
  pool(
    [...folders.values(), full].map((folder) => async () => {
      folder.installSeconds = await installInto(
        folder.path,
        folder.needed.map((name) => packed.get(name).tarball),
        folder.needed,
        // The optional peer a user of @kv/store/redis installs, so its declarations resolve.
        folder === full ? ['@types/node@^20.19.0', 'ioredis@^5.11.1'] : [],
      )
      // Dawn (~130 MB) is an optional peer of @kv/kernels-webgpu: no install pulls it in.
      if (existsSync(join(folder.path, 'node_modules/webgpu'))) {
        failures.push(
          `${folder.path}: npm installed the optional peer 'webgpu' for ${folder.needed.join(' ')}`,
        )
      }
    }),
    2,
  ),
)

const ran = await phase(`README examples in Node.js (${nodeExamples.length})`, async () => {
  const results = []
  for (const [i, example] of nodeExamples.entries()) {
    if (!example.folder) continue
    const file = join(example.folder.path, `example-${i}.mjs`)
    const from = performance.now()
    let error
    try {
      const { code } = await transform(example.code, {
        loader: example.lang,
        format: 'esm',
        target: 'node20',
      })
      writeFileSync(file, code)
      const { stdout } = await run(process.execPath, [file], {
        cwd: example.folder.path,
        timeout: EXAMPLE_TIMEOUT_S * 1000,
        maxBuffer: 64 << 20,
      })
      example.output = stdout.trim().replace(/\s+/g, ' ').slice(0, 100)
    } catch (caught) {
      error = caught.killed ? `timed out after ${EXAMPLE_TIMEOUT_S} s` : `${caught.stderr || caught.message}`
      failures.push(`${example.id}: ${error.trim().split('\n').slice(0, 12).join('\n')}`)
    }
    results.push({ example, seconds: seconds(from), error })
  }
  return results
})

const aloneNote = await phase('@kv/runtime alone', () => checkRuntimeAlone(alone.path))
const requireNote = await phase('require()', () => {
  try {
    return checkRequire(alone.path, ['@kv/tensor', '@kv/cache', '@kv/runtime'])
  } catch (error) {
    failures.push(error.message)
    return 'failed'
  }
})

const entries = names.flatMap((name) =>
  Object.keys(packages.get(name).manifest.publishConfig?.exports ?? { '.': null }).map(
    (subpath) => `${name}${subpath.slice(1)}`,
  ),
)
const typeSeconds = await phase('types (nodenext, bundler, README examples; skipLibCheck off)', async () => {
  try {
    return await checkTypes(
      full.path,
      entries,
      GPU_TYPES,
      examples.filter((example) => !example.skip && example.lang === 'ts'),
    )
  } catch (error) {
    failures.push(error.message)
    return {}
  }
})

const browser = await phase('browser bundles + Chromium', async () => {
  try {
    return await runInBrowser(
      full.path,
      entries.filter((entry) => !NODE_ONLY.has(entry)),
      browserExamples,
      TYPES_ONLY,
    )
  } catch (error) {
    failures.push(`browser: ${error.stack ?? error}`)
    return { sizes: [], ran: [], failures: [] }
  }
})
failures.push(...browser.failures)

// The closing note.
const kb = (n) => `${(n / 1024).toFixed(1)} KiB`
console.log('\nconsumer-check: README examples (each in an empty folder with only these packages installed)')
for (const { example, seconds: s, error } of ran) {
  console.log(
    `  ${error ? 'FAIL' : 'ok  '} ${example.id.padEnd(28)} ${s.padStart(5)} s  ${example.folder.needed.join(' ')}`,
  )
  if (example.output) console.log(`       prints: ${example.output}`)
}
for (const { id, seconds: s, error } of browser.ran) {
  console.log(
    `  ${error ? 'FAIL' : 'ok  '} ${id.padEnd(28)} ${s.toFixed(1).padStart(5)} s  Chromium, bundled from all packages`,
  )
}
for (const example of examples.filter((e) => e.skip))
  console.log(`  skip ${example.id.padEnd(28)} not runnable: ${example.skip}`)
console.log('consumer-check: package sizes (tarball, installed)')
for (const name of names) {
  console.log(
    `  ${name.padEnd(22)} ${kb(packed.get(name).bytes).padStart(11)} ${kb(bytes(join(full.path, 'node_modules', name))).padStart(11)}`,
  )
}
console.log('consumer-check: browser bundles (esbuild, minified / gzipped, exports)')
for (const size of browser.sizes) {
  console.log(
    `  ${size.entry.padEnd(22)} ${kb(size.minified).padStart(11)} ${kb(size.gzipped).padStart(11)}  ${size.exports}`,
  )
}
console.log(`consumer-check: ${aloneNote}`)
console.log(`consumer-check: require(): ${requireNote}`)
console.log(
  `consumer-check: types: ${Object.entries(typeSeconds)
    .map(([k, v]) => `${k} ${v.toFixed(1)} s`)
    .join(', ')}`,
)
console.log(`consumer-check: ${timings.join(', ')}; total ${seconds(started)} s`)
if (failures.length > 0) {
  console.error(
    `\nconsumer-check: ${failures.length} failure(s) (folders kept in ${work}):\n${failures.map((f) => `- ${f}`).join('\n')}`,
  )
  process.exit(1)
}
// Removing the ~20 installs takes ~30 s on a slow disk: a detached `rm` does it after this process exits.
spawn('rm', ['-rf', work], { detached: true, stdio: 'ignore' }).unref()
console.log('consumer-check: every README example runs as written from the packed tarballs')
