import type { EvalReport, PipelineResult } from './evaluate.js'

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
    'fp16/phys',
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
    `${fixed(r.memory.ratio, 2)}×`,
    fixed(r.tokensPerSecond, 1),
    `${fixed(r.speedRatio, 2)}×`,
  ])
  const title = `${report.protocol} protocol, ${report.scoredTokens} scored tokens; reference ${report.reference.label}: ppl ${fixed(report.reference.perplexity, 2)}, ${fixed(report.reference.tokensPerSecond, 1)} tok/s`
  return `${title}\n${formatTable(header, rows)}`
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

/** Quality against memory as an SVG scatter: x = fp16/physical ratio, y = perplexity ratio, one point each. */
export function reportChart(report: EvalReport): string {
  const width = 720
  const height = 440
  const margin = { left: 70, right: 30, top: 40, bottom: 60 }
  const points = report.results.filter(
    (r) => Number.isFinite(r.memory.ratio) && Number.isFinite(r.perplexityRatio),
  )
  const xs = points.map((p) => p.memory.ratio)
  const ys = points.map((p) => p.perplexityRatio)
  const xMax = Math.max(1, ...xs) * 1.1
  const yMin = Math.min(1, ...ys) * 0.98
  const yMax = Math.max(1.05, ...ys) * 1.02
  const x = (v: number) => margin.left + (v / xMax) * (width - margin.left - margin.right)
  const y = (v: number) =>
    height - margin.bottom - ((v - yMin) / (yMax - yMin)) * (height - margin.top - margin.bottom)
  const ticks = (lo: number, hi: number, n: number) =>
    Array.from({ length: n + 1 }, (_, i) => lo + ((hi - lo) * i) / n)
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15">Quality against memory (${report.protocol}, ${report.scoredTokens} tokens)</text>`,
    `<line x1="${margin.left}" y1="${height - margin.bottom}" x2="${width - margin.right}" y2="${height - margin.bottom}" stroke="black"/>`,
    `<line x1="${margin.left}" y1="${margin.top}" x2="${margin.left}" y2="${height - margin.bottom}" stroke="black"/>`,
    ...ticks(0, xMax, 5).map(
      (v) =>
        `<text x="${x(v)}" y="${height - margin.bottom + 18}" text-anchor="middle">${v.toFixed(1)}×</text>`,
    ),
    ...ticks(yMin, yMax, 5).map(
      (v) => `<text x="${margin.left - 8}" y="${y(v) + 4}" text-anchor="end">${v.toFixed(3)}</text>`,
    ),
    `<text x="${width / 2}" y="${height - 18}" text-anchor="middle">memory saving: float16 bytes ÷ physical bytes</text>`,
    `<text transform="translate(18 ${height / 2}) rotate(-90)" text-anchor="middle">perplexity ÷ full cache</text>`,
    `<line x1="${margin.left}" y1="${y(1)}" x2="${width - margin.right}" y2="${y(1)}" stroke="#999" stroke-dasharray="4 4"/>`,
    ...points.map(
      (p) =>
        `<circle cx="${x(p.memory.ratio)}" cy="${y(p.perplexityRatio)}" r="5" fill="#3366cc"/>` +
        `<text x="${x(p.memory.ratio) + 8}" y="${y(p.perplexityRatio) - 6}">${escapeXml(p.label)}</text>`,
    ),
    '</svg>',
  ]
  return parts.join('\n')
}
