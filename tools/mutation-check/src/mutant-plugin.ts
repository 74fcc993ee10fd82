import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { type Mutant, mutate } from './mutant.js'

/** Printed (to stderr) by the vitest process when it has served the mutated source to a test. */
export const APPLIED_MARK = 'kv-mutation-check: mutant applied:'

/**
 * A Vite plugin that serves the mutant's source file with the defect in place, to the tests of one vitest
 * run only: the file on disk never changes, so several mutants (and a build) can run at once. Without a
 * mutant (`undefined`) it changes nothing, which is the baseline.
 */
export function mutantPlugin(root: string, mutant: Mutant | undefined) {
  const target = mutant === undefined ? '' : resolve(root, mutant.file)
  let told = false
  return {
    name: 'kv-mutation-check',
    enforce: 'pre' as const,
    load(id: string): string | null {
      if (mutant === undefined || id.split('?')[0] !== target) return null
      if (!told) process.stderr.write(`${APPLIED_MARK} ${mutant.id}\n`)
      told = true
      return mutate(readFileSync(target, 'utf8'), mutant)
    },
  }
}
