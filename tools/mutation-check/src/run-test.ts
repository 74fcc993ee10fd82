import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

/** How one vitest run ended. */
export interface TestRun {
  readonly passed: boolean
  readonly timedOut: boolean
  readonly seconds: number
  readonly output: string
}

/**
 * Runs vitest once on the given test files, in one forked worker (the CI machine has 2 cores), with
 * fast-check at its default number of runs (FC_NUM_RUNS removed from the environment; FC_SEED kept, so
 * CI's fixed seed applies). A run past `timeoutMs` counts as failed (a mutant that hangs is caught).
 */
export function runVitest(root: string, tests: readonly string[], timeoutMs: number): TestRun {
  const require = createRequire(join(root, 'package.json'))
  const vitest = join(dirname(require.resolve('vitest/package.json')), 'vitest.mjs')
  const env = { ...process.env }
  delete env.FC_NUM_RUNS
  const started = performance.now()
  const result = spawnSync(
    process.execPath,
    [vitest, 'run', ...tests, '--pool=forks', '--maxWorkers=1', '--reporter=dot'],
    { cwd: root, env, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
  )
  const seconds = (performance.now() - started) / 1000
  const timedOut = result.error !== undefined && (result.error as NodeJS.ErrnoException).code === 'ETIMEDOUT'
  return {
    passed: result.status === 0,
    timedOut,
    seconds,
    output: `${result.stdout ?? ''}${result.stderr ?? ''}`,
  }
}
