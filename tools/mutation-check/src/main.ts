/**
 * The mutation check: for every mutant (see mutants.ts), run the one test file that guards that code with
 * the mutant served in place of its source (mutant-plugin.ts: the file on disk never changes), and expect
 * it to FAIL. Runs `--jobs` vitest processes at once (default 2). Prints a table and exits non-zero when a
 * mutant survives (its test cannot catch that defect), when a mutant no longer applies or was not loaded,
 * or when the tests fail without any mutant.
 *
 *   pnpm --filter @kv/mutation-check check              # every mutant
 *   pnpm --filter @kv/mutation-check check --only h2o-keeps-lightest,gear-garbage-factors
 *   pnpm --filter @kv/mutation-check check --list
 *   pnpm --filter @kv/mutation-check check --jobs 1     # one vitest at a time
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type Mutant, mutate } from './mutant.js'
import { MUTANTS } from './mutants.js'
import { runVitest, type TestRun } from './run-test.js'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const TIMEOUT_MS = 120_000

interface Outcome {
  readonly mutant: Mutant
  readonly result: 'killed' | 'killed (timeout)' | 'SURVIVED' | 'NOT APPLIED'
  readonly seconds: number
}

function parseArgs(argv: readonly string[]): {
  only: Set<string> | null
  list: boolean
  jobs: number
  baseline: boolean
} {
  const onlyAt = argv.indexOf('--only')
  const only = onlyAt >= 0 ? new Set((argv[onlyAt + 1] ?? '').split(',').filter(Boolean)) : null
  const jobsAt = argv.indexOf('--jobs')
  const jobs = jobsAt >= 0 ? Number(argv[jobsAt + 1]) : 2
  if (!Number.isInteger(jobs) || jobs < 1)
    throw new Error(`--jobs must be a positive integer, got ${argv[jobsAt + 1]}`)
  return { only, list: argv.includes('--list'), jobs, baseline: !argv.includes('--no-baseline') }
}

/** Runs `tasks` at most `limit` at a time; results in order. */
async function pool<T>(tasks: ReadonlyArray<() => Promise<T>>, limit: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length)
  let next = 0
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++
      results[i] = await tasks[i]!()
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker))
  return results
}

function table(outcomes: readonly Outcome[]): string {
  const rows = outcomes.map((o) => [
    o.mutant.id,
    o.mutant.file,
    o.mutant.test,
    o.result,
    o.seconds.toFixed(1),
  ])
  const header = ['mutant', 'source changed', 'test file', 'result', 's']
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)))
  const line = (cells: readonly string[]) => `| ${cells.map((x, c) => x.padEnd(widths[c]!)).join(' | ')} |`
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n')
}

async function main(): Promise<number> {
  const { only, list, jobs, baseline: withBaseline } = parseArgs(process.argv.slice(2))
  const ids = new Set<string>()
  for (const m of MUTANTS) {
    if (ids.has(m.id)) throw new Error(`mutant id ${m.id} is used twice`)
    ids.add(m.id)
  }
  if (only) for (const id of only) if (!ids.has(id)) throw new Error(`no mutant ${id}; see --list`)
  const selected = MUTANTS.filter((m) => only === null || only.has(m.id))
  if (list) {
    for (const m of selected) console.log(`${m.id}\t${m.test}\t${m.defect}`)
    return 0
  }
  // Every mutant applies to today's code (before any test runs, so a stale list fails fast).
  for (const m of selected) mutate(readFileSync(join(ROOT, m.file), 'utf8'), m)

  // Without mutants the tests pass (a failure below is the mutant's doing); the baseline runs beside the
  // first mutants, and a failing baseline fails the check whatever the mutants gave.
  // `--no-baseline` (CI, where the whole suite has just passed with the same seed) skips it.
  const tests = [...new Set(selected.map((m) => m.test))]
  console.log(
    `${withBaseline ? `baseline: ${tests.length} test files without mutants` : 'no baseline (--no-baseline)'}; ${selected.length} mutants, ${jobs} at a time`,
  )
  const started = performance.now()
  const skipped: TestRun = { passed: true, applied: true, timedOut: false, seconds: 0, output: '' }
  const runs: Array<() => Promise<TestRun | Outcome>> = [
    async () => {
      if (!withBaseline) return skipped
      const baseline = await runVitest(ROOT, tests, TIMEOUT_MS * 4)
      console.log(`baseline ${baseline.passed ? 'passed' : 'FAILED'} in ${baseline.seconds.toFixed(1)} s`)
      return baseline
    },
    ...selected.map((m) => async (): Promise<Outcome> => {
      const run = await runVitest(ROOT, [m.test], TIMEOUT_MS, m.id)
      const result = !run.applied
        ? 'NOT APPLIED'
        : run.passed
          ? 'SURVIVED'
          : run.timedOut
            ? 'killed (timeout)'
            : 'killed'
      console.log(`${result.padEnd(16)} ${m.id} (${run.seconds.toFixed(1)} s)`)
      if (result === 'NOT APPLIED') console.log(run.output)
      return { mutant: m, result, seconds: run.seconds }
    }),
  ]
  const [baseline, ...rest] = await pool(runs, jobs)
  const outcomes = rest as Outcome[]
  const survivors = outcomes.filter((o) => o.result === 'SURVIVED' || o.result === 'NOT APPLIED')
  const total = outcomes.reduce((s, o) => s + o.seconds, 0)
  console.log(`\n${table(outcomes)}\n`)
  console.log(
    `${outcomes.length - survivors.length} of ${outcomes.length} mutants killed, ${survivors.length} survived or not applied; ` +
      `${new Set(outcomes.map((o) => o.mutant.test)).size} test files; ${total.toFixed(0)} s of test runs, ` +
      `${((performance.now() - started) / 1000).toFixed(0)} s in all`,
  )
  for (const s of survivors) console.log(`${s.result}: ${s.mutant.id}: ${s.mutant.defect} (${s.mutant.test})`)
  const base = baseline as TestRun
  if (!base.passed) {
    console.error(base.output)
    console.error('mutation check: the tests fail without any mutant; fix them first')
    return 1
  }
  return survivors.length === 0 ? 0 : 1
}

process.exitCode = await main()
