import type { RetrievalBenchResult } from './run-retrieval-bench.js'

/** Prints the rows as a table with ratios against the exact scan of the same run, then the summary. */
export function printRetrievalBench(result: RetrievalBenchResult): void {
  const pct = (x: number) => (Number.isNaN(x) ? 'n/a' : (100 * x).toFixed(2) + '%')
  console.log(
    `${result.keyCount} keys, ${result.queryCount} held-out queries; exact scan ${result.exactMsPerQuery.map((t) => t.toFixed(2)).join(' / ')} ms/query (timed before each method)`,
  )
  console.log('| method | setting | recall@100 | attention mass | keys scanned | ms/query | × exact |')
  console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: |')
  for (const r of result.rows) {
    console.log(
      `| ${r.method} | ${r.setting} | ${r.recall.toFixed(3)} | ${r.mass.toFixed(3)} | ${pct(r.scannedFraction)} | ${r.msPerQuery.toFixed(3)} | ${r.speedup.toFixed(1)} |`,
    )
  }
  console.log('\n| index | build ms | bytes | note |\n| --- | ---: | ---: | --- |')
  for (const b of result.builds) console.log(`| ${b.method} | ${b.ms.toFixed(0)} | ${b.bytes} | ${b.note} |`)
  console.log('\nCheapest setting with recall ≥ target:')
  for (const [method, row] of Object.entries(result.atTarget)) {
    console.log(
      row === null
        ? `  ${method}: not reached`
        : `  ${method}: ${row.setting}, recall ${row.recall.toFixed(3)}, scanned ${pct(row.scannedFraction)}, ${row.msPerQuery.toFixed(3)} ms (${row.speedup.toFixed(1)}× exact)`,
    )
  }
}
