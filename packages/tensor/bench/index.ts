import { benchMatmul } from './matmul.js'
import { type BenchRow, benchQuant } from './quant.js'
import { benchWasm } from './wasm.js'

export type { BenchRow }

function printTable(rows: BenchRow[]): void {
  const cells = rows.map((row) => [
    row.name,
    row.value.toPrecision(4),
    row.unit,
    row.ratio === undefined ? '' : `${row.ratio.toFixed(2)}×`,
    row.note ?? '',
  ])
  const header = ['name', 'value', 'unit', 'ratio', 'note']
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)))
  const line = (c: string[]) =>
    c.map((x, i) => (i === 1 || i === 3 ? x.padStart(widths[i]!) : x.padEnd(widths[i]!))).join('  ')
  console.log(line(header))
  console.log(widths.map((w) => '-'.repeat(w)).join('  '))
  for (const c of cells) console.log(line(c))
}

printTable([...(await benchQuant()), ...(await benchMatmul()), ...(await benchWasm())])
