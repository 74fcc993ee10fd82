// Type-checks a consumer of every published entry against the installed declarations, with skipLibCheck
// off, under moduleResolution nodenext (a Node.js project) and bundler (a browser app built by a bundler).
import { execFile } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)
const tscPath = createRequire(import.meta.url).resolve('typescript/bin/tsc')

/**
 * Each setting type-checks a consumer of the entries it selects. A Node.js project without the DOM lib checks
 * every entry but the WebGPU ones: their declarations use @webgpu/types, which refers to DOM types
 * (EventTarget, ImageBitmap), so a Node.js consumer of them adds "dom" to `lib` (their README says so).
 */
const SETTINGS = [
  {
    name: 'nodenext',
    options: { module: 'nodenext', moduleResolution: 'nodenext', lib: ['es2022'], types: ['node'] },
    select: (entry, gpu) => !gpu.has(entry),
  },
  {
    name: 'nodenext+dom',
    options: { module: 'nodenext', moduleResolution: 'nodenext', lib: ['es2022', 'dom'], types: ['node'] },
    select: (entry, gpu) => gpu.has(entry),
  },
  {
    name: 'bundler',
    options: { module: 'esnext', moduleResolution: 'bundler', lib: ['es2022', 'dom'], types: [] },
    select: () => true,
  },
]

/**
 * `entries`: the import specifiers to check (`@kv/runtime/node`, ...); `gpu`: those using WebGPU types;
 * `examples`: the TypeScript README blocks, type-checked too (strict, as a user's editor would show them).
 */
export async function checkTypes(folder, entries, gpu, examples) {
  mkdirSync(join(folder, 'src/examples'), { recursive: true })
  const seconds = {}
  for (const { name, options, select } of SETTINGS) {
    const chosen = entries.filter((entry) => select(entry, gpu))
    const consumer = chosen
      .map(
        (entry, i) =>
          `import * as entry${i} from '${entry}'\nexport const keys${i}: string[] = Object.keys(entry${i})`,
      )
      .join('\n')
    const file = `src/consumer-${name.replace('+', '-')}.ts`
    writeFileSync(join(folder, file), `${consumer}\n`)
    const started = performance.now()
    await tsc(
      folder,
      name,
      { ...options, exactOptionalPropertyTypes: true, noUncheckedIndexedAccess: true },
      [file],
    )
    seconds[`${name} (${chosen.length} entries)`] = (performance.now() - started) / 1000
  }
  const files = examples.map((example, i) => {
    const file = `src/examples/example-${i}.ts`
    writeFileSync(join(folder, file), `// ${example.id}\n${example.code}\nexport {}\n`)
    return file
  })
  const started = performance.now()
  await tsc(folder, 'readme-examples', { ...SETTINGS[1].options }, files)
  seconds[`README examples (${files.length}, nodenext+dom)`] = (performance.now() - started) / 1000
  return seconds
}

async function tsc(folder, name, options, files) {
  const config = `tsconfig.${name.replace('+', '-')}.json`
  writeFileSync(
    join(folder, config),
    JSON.stringify({
      compilerOptions: { ...options, target: 'es2022', strict: true, skipLibCheck: false, noEmit: true },
      files,
    }),
  )
  try {
    await run(process.execPath, [tscPath, '-p', config, '--pretty', 'false'], {
      cwd: folder,
      maxBuffer: 64 << 20,
    })
  } catch (error) {
    throw new Error(
      `tsc (${name}, skipLibCheck off) failed on ${files.join(', ')}:\n${error.stdout}${error.stderr}`,
    )
  }
}
