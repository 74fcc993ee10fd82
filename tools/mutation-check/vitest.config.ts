import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'
import { mutantPlugin } from './src/mutant-plugin.js'
import { MUTANTS } from './src/mutants.js'

// The vitest config of one mutation-check run (src/run-test.ts starts it): the test files named on the
// command line, as their package's project runs them (tools/vitest-preset: fast-check from FC_SEED, 30 s a
// test; no shrinking: src/no-shrink-setup.ts), with the mutant named by KV_MUTANT served in place of its source file (src/mutant-plugin.ts).
const root = fileURLToPath(new URL('../../', import.meta.url))
const id = process.env.KV_MUTANT
const mutant = id === undefined || id === '' ? undefined : MUTANTS.find((m) => m.id === id)
if (id && mutant === undefined) throw new Error(`KV_MUTANT=${id}: no such mutant`)

export default defineConfig({
  root,
  plugins: [mutantPlugin(root, mutant)],
  test: {
    include: ['packages/*/test/**/*.test.ts'],
    setupFiles: [
      fileURLToPath(new URL('../vitest-preset/fast-check-setup.ts', import.meta.url)),
      fileURLToPath(new URL('./src/no-shrink-setup.ts', import.meta.url)),
    ],
    testTimeout: 30_000,
  },
})
