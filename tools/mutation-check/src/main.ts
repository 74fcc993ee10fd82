/**
 * The mutation check: for every mutant (see mutants.ts), apply it in place, run the one test file that
 * guards that code, expect it to FAIL, put the file back. Prints a table and exits non-zero when a mutant
 * survives (its test cannot catch that defect), when a mutant no longer applies, or when the tests fail
 * without any mutant.
 *
 *   pnpm --filter @kv/mutation-check check              # every mutant
 *   pnpm --filter @kv/mutation-check check --only h2o-keeps-lightest,gear-garbage-factors
 *   pnpm --filter @kv/mutation-check check --list
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Backups } from './backup.js'
import { type Mutant, mutate } from './mutant.js'
import { MUTANTS } from './mutants.js'
import { runVitest } from './run-test.js'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const TIMEOUT_MS = 120_000

interface Outcome {
  readonly mutant: Mutant
  readonly result: 'killed' | 'killed (timeout)' | 'SURVIVED'
  readonly seconds: number
}

function parseArgs(argv: readonly string[]): { only: Set<string> | null; list: boolean } {
  const onlyAt = argv.indexOf('--only')
  const only = onlyAt >= 0 ? new Set((argv[onlyAt + 1] ?? '').split(',').filter(Boolean)) : null
  return { only, list: argv.includes('--list') }
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

function main(): number {
  const { only, list } = parseArgs(process.argv.slice(2))
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
  const backups = new Backups(ROOT, join(ROOT, 'tools/mutation-check/.backup'))
  const leftovers = backups.restoreLeftovers()
  if (leftovers.length > 0) console.log(`restored from an interrupted run: ${leftovers.join(', ')}`)

  // Every mutant applies to today's code (before any test runs, so a stale list fails fast).
  for (const m of selected) mutate(readFileSync(join(ROOT, m.file), 'utf8'), m)

  // Without mutants the tests pass: a failure below is the mutant's doing.
  const tests = [...new Set(selected.map((m) => m.test))]
  console.log(`baseline: ${tests.length} test files without mutants`)
  const baseline = runVitest(ROOT, tests, TIMEOUT_MS * 4)
  if (!baseline.passed) {
    console.error(baseline.output)
    console.error('mutation check: the tests fail without any mutant; fix them first')
    return 1
  }
  console.log(`baseline passed in ${baseline.seconds.toFixed(1)} s`)

  let current: string | null = null
  const putBack = () => {
    if (current !== null) backups.restore(current)
    current = null
  }
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      putBack()
      process.exit(130)
    })
  }
  process.on('exit', putBack)

  const outcomes: Outcome[] = []
  for (const m of selected) {
    const path = join(ROOT, m.file)
    const original = readFileSync(path, 'utf8')
    backups.save(m.file)
    current = m.file
    let run: ReturnType<typeof runVitest>
    try {
      writeFileSync(path, mutate(original, m))
      run = runVitest(ROOT, [m.test], TIMEOUT_MS)
    } finally {
      putBack()
    }
    if (readFileSync(path, 'utf8') !== original) throw new Error(`${m.file} was not restored`)
    const result = run.passed ? 'SURVIVED' : run.timedOut ? 'killed (timeout)' : 'killed'
    outcomes.push({ mutant: m, result, seconds: run.seconds })
    console.log(`${result.padEnd(16)} ${m.id} (${run.seconds.toFixed(1)} s)`)
  }
  const survivors = outcomes.filter((o) => o.result === 'SURVIVED')
  const total = outcomes.reduce((s, o) => s + o.seconds, 0)
  console.log(`\n${table(outcomes)}\n`)
  console.log(
    `${outcomes.length - survivors.length} of ${outcomes.length} mutants killed, ${survivors.length} survived; ` +
      `${new Set(outcomes.map((o) => o.mutant.test)).size} test files; ${total.toFixed(0)} s of test runs`,
  )
  for (const s of survivors) console.log(`survived: ${s.mutant.id}: ${s.mutant.defect} (${s.mutant.test})`)
  return survivors.length === 0 ? 0 : 1
}

process.exitCode = main()
