export { chartLayout, reportChart } from './chart/report-chart.js'

import type { EvalReport, PipelineResult } from './evaluate.js'
import { sizeCell } from './float16-wording.js'

function fixed(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '—'
}

function kib(bytes: number): string {
  return `${(bytes / 1024).toFixed(0)} KiB`
}

/** Rows of strings as an aligned text table. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((cell, i) => Math.max(cell.length, ...rows.map((row) => row[i]!.length)))
  const line = (cells: string[]) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ')
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n')
}

/** The evaluation as a terminal table: one row per pipeline. */
export function formatReport(report: EvalReport): string {
  const fillers = report.results[0]?.recall.map((r) => r.filler) ?? []
  const header = [
    'pipeline',
    'ppl',
    'ppl ratio',
    'KL',
    'top-1',
    ...fillers.map((f) => `recall@${f}`),
    'tokens',
    'logical',
    'physical',
    'vs float16',
    'tok/s',
    'speed',
  ]
  const rows = report.results.map((r: PipelineResult) => [
    r.label,
    fixed(r.perplexity, 2),
    fixed(r.perplexityRatio, 3),
    fixed(r.kl, 4),
    fixed(r.top1, 3),
    ...r.recall.map((x) => fixed(x.recall, 2)),
    String(r.memory.totalTokens),
    kib(r.memory.logicalBytes),
    kib(r.memory.physicalBytes),
    sizeCell(r.memory.physicalBytes, r.memory.float16Bytes),
    fixed(r.tokensPerSecond, 1),
    `${fixed(r.speedRatio, 2)}×`,
  ])
  const title = `${report.protocol} protocol, ${report.scoredTokens} scored tokens; reference ${report.reference.label}: ppl ${fixed(report.reference.perplexity, 2)}, ${fixed(report.reference.tokensPerSecond, 1)} tok/s`
  return `${title}\n${formatTable(header, rows)}`
}
