// Type-checks a consumer of every published entry against the installed declarations, with skipLibCheck
// off, under moduleResolution nodenext (a Node.js project) and bundler (a browser app built by a bundler).
import { execFile } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')

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

/** `entries`: the import specifiers to check (`@kv/runtime/node`, ...); `gpu`: those using WebGPU types. */
export async function checkTypes(folder, entries, gpu) {
  mkdirSync(join(folder, 'src'), { recursive: true })
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
    const config = `tsconfig.${name.replace('+', '-')}.json`
    writeFileSync(
      join(folder, config),
      JSON.stringify({
        compilerOptions: {
          ...options,
          target: 'es2022',
          strict: true,
          skipLibCheck: false,
          noEmit: true,
          exactOptionalPropertyTypes: true,
          noUncheckedIndexedAccess: true,
        },
        files: [file],
      }),
    )
    const started = performance.now()
    try {
      await run(process.execPath, [tsc, '-p', config, '--pretty', 'false'], {
        cwd: folder,
        maxBuffer: 64 << 20,
      })
    } catch (error) {
      throw new Error(
        `tsc (${name}, skipLibCheck off) failed on the published declarations of ${chosen.join(', ')}:\n${error.stdout}${error.stderr}`,
      )
    }
    seconds[`${name} (${chosen.length} entries)`] = (performance.now() - started) / 1000
  }
  return seconds
}
