import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { APPLIED_MARK } from './mutant-plugin.js'

/** How one vitest run ended. */
export interface TestRun {
  readonly passed: boolean
  readonly timedOut: boolean
  /** With a mutant: whether the tests were served its source (see mutant-plugin.ts). */
  readonly applied: boolean
  readonly seconds: number
  readonly output: string
}

/**
 * Runs vitest once on the given test files, in one forked worker, with this package's vitest.config.ts
 * serving the mutant `mutantId` (none: the baseline), fast-check at its default number of runs
 * (FC_NUM_RUNS removed from the environment; FC_SEED kept, so CI's fixed seed applies). A run past
 * `timeoutMs` counts as failed (a mutant that hangs is caught).
 */
export function runVitest(
  root: string,
  tests: readonly string[],
  timeoutMs: number,
  mutantId?: string,
): Promise<TestRun> {
  const require = createRequire(join(root, 'package.json'))
  const vitest = join(dirname(require.resolve('vitest/package.json')), 'vitest.mjs')
  const config = join(root, 'tools/mutation-check/vitest.config.ts')
  const env: NodeJS.ProcessEnv = { ...process.env, KV_MUTANT: mutantId ?? '' }
  delete env.FC_NUM_RUNS
  // a mutant is killed by its first failing test; the baseline runs every test
  const bail = mutantId === undefined ? [] : ['--bail=1']
  const started = performance.now()
  return new Promise((done) => {
    const child = spawn(
      process.execPath,
      [
        vitest,
        'run',
        ...tests,
        '--config',
        config,
        '--pool=forks',
        '--maxWorkers=1',
        '--reporter=dot',
        ...bail,
      ],
      { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let output = ''
    child.stdout.on('data', (chunk) => {
      output += chunk
    })
    child.stderr.on('data', (chunk) => {
      output += chunk
    })
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGKILL')
    }, timeoutMs)
    child.on('close', (status) => {
      clearTimeout(timer)
      done({
        passed: status === 0 && !timedOut,
        timedOut,
        applied: output.includes(`${APPLIED_MARK} ${mutantId}`),
        seconds: (performance.now() - started) / 1000,
        output,
      })
    })
  })
}
