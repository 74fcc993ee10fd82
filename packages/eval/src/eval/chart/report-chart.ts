import type { EvalReport, PipelineResult } from '../evaluate.js'
import { sizeCell } from '../float16-wording.js'
import { type Box, type LabelRequest, placeLabels } from './label-layout.js'
import { clipHigh } from './outliers.js'
import { decimalsFor, factorLabel, linearTicks, logTicks } from './ticks.js'

/** Ten colours told apart in print and by most colour-blind readers (then they repeat; numbers differ). */
const COLOURS = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
]

const FONT = 12
/** A generous width per character of 12 px sans-serif, so that boxes never underestimate the text. */
const CHAR = 7.2
const LEGEND_LABEL_CHARS = 44

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`
}

/** One charted point: pipeline number (1-based), where it is, whether it is off the top. */
export interface ChartPoint {
  readonly number: number
  readonly result: PipelineResult
  readonly x: number
  readonly y: number
  readonly clipped: boolean
}

/** The drawn layout, for tests: plot area, points, label boxes, ticks. */
export interface ChartLayout {
  readonly width: number
  readonly height: number
  readonly plot: Box
  readonly points: ChartPoint[]
  readonly labels: (Box & { text: string; leader: boolean; anchorX: number; anchorY: number })[]
  /** Tick values: memory factors (x, log scale) and perplexity ratios (y). */
  readonly xTicks: number[]
  readonly yTicks: number[]
  readonly yDecimals: number
  readonly legend: Box[]
  /** Value to pixel. */
  readonly px: (memoryRatio: number) => number
  readonly py: (perplexityRatio: number) => number
}

const chartable = (r: PipelineResult) =>
  Number.isFinite(r.memory.ratio) && r.memory.ratio > 0 && Number.isFinite(r.perplexityRatio)

/**
 * Lays out the quality-against-memory chart: memory factor on a log axis (round factors), perplexity
 * ratio on a linear axis with round ticks whose top leaves outliers off (drawn as ▲ at the top edge with
 * their value), every point numbered with a label placed clear of the others, and a legend.
 */
export function chartLayout(report: EvalReport): ChartLayout {
  const results = report.results
  const legendRow = 34
  const width = 980
  const height = Math.max(480, 110 + results.length * legendRow)
  const plot: Box = { x: 76, y: 56, width: 560, height: height - 56 - 70 }
  const charted = results.map((r, i) => ({ r, number: i + 1 })).filter(({ r }) => chartable(r))
  const xs = charted.map(({ r }) => r.memory.ratio)
  const ys = charted.map(({ r }) => r.perplexityRatio)
  const x = xs.length ? logTicks(Math.min(...xs) / 1.08, Math.max(...xs) * 1.08) : logTicks(1, 2)
  const { kept, clipped } = clipHigh(ys.length ? ys : [1])
  const top = Math.max(1.002, kept)
  const bottom = Math.min(1, ...ys.filter((_, i) => !clipped[i]))
  const pad = (top - bottom) * 0.08
  const y = linearTicks(bottom - pad / 2, top + pad, 5)
  const yLo = y.ticks[0]!
  const yHi = y.ticks[y.ticks.length - 1]!
  const px = (v: number) =>
    plot.x + ((Math.log(v) - Math.log(x.lo)) / (Math.log(x.hi) - Math.log(x.lo))) * plot.width
  const py = (v: number) => plot.y + plot.height - ((v - yLo) / (yHi - yLo)) * plot.height
  const points: ChartPoint[] = charted.map(({ r, number }, i) => ({
    number,
    result: r,
    x: px(r.memory.ratio),
    y: clipped[i] ? plot.y + 6 : py(r.perplexityRatio),
    clipped: clipped[i]!,
  }))
  // Points within a few pixels share one label ("3,4").
  const groups: ChartPoint[][] = []
  for (const point of points) {
    const near = groups.find(
      (g) => g[0]!.clipped === point.clipped && Math.hypot(g[0]!.x - point.x, g[0]!.y - point.y) < 5,
    )
    if (near) near.push(point)
    else groups.push([point])
  }
  // Clipped points say their value (each one: two outliers at one spot may differ).
  const texts = groups.map((g) =>
    g[0]!.clipped
      ? g.map((p) => `${p.number} ↑ ×${p.result.perplexityRatio.toFixed(2)}`).join(', ')
      : g.map((p) => p.number).join(','),
  )
  const requests: LabelRequest[] = groups.map((g, i) => ({
    anchorX: g[0]!.x,
    anchorY: g[0]!.y,
    width: texts[i]!.length * CHAR + 4,
    height: FONT + 2,
  }))
  const obstacles = points.map((p) => ({ x: p.x - 6, y: p.y - 6, width: 12, height: 12 }))
  const placed = placeLabels(requests, plot, obstacles)
  const labels = placed.map((box, i) => ({
    ...box,
    text: texts[i]!,
    anchorX: requests[i]!.anchorX,
    anchorY: requests[i]!.anchorY,
  }))
  const legend = results.map((_, i) => ({
    x: plot.x + plot.width + 30,
    y: plot.y + i * legendRow,
    width: 300,
    height: legendRow - 4,
  }))
  return {
    width,
    height,
    plot,
    points,
    labels,
    xTicks: x.ticks,
    yTicks: y.ticks,
    yDecimals: decimalsFor(y.step),
    legend,
    px,
    py,
  }
}

/** Quality against memory as an SVG chart: x = memory against float16 (log), y = perplexity ratio. */
export function reportChart(report: EvalReport): string {
  const layout = chartLayout(report)
  const { width, height, plot, px, py } = layout
  const bottom = plot.y + plot.height
  const right = plot.x + plot.width
  const colour = (n: number) => COLOURS[(n - 1) % COLOURS.length]!
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="${FONT}">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${plot.x}" y="24" font-size="16" font-weight="bold">${escapeXml(`Quality against memory (${report.protocol}, ${report.scoredTokens} tokens)`)}</text>`,
    `<text x="${plot.x}" y="42" fill="#555">right: smaller cache · down: closer to the full cache's perplexity</text>`,
  ]
  // Grid and ticks.
  for (const value of layout.xTicks) {
    const tx = px(value)
    parts.push(
      `<line x1="${tx}" y1="${plot.y}" x2="${tx}" y2="${bottom}" stroke="${value === 1 ? '#888' : '#e4e4e4'}"${value === 1 ? ' stroke-dasharray="4 4"' : ''}/>`,
      `<text x="${tx}" y="${bottom + 18}" text-anchor="middle">${factorLabel(value)}</text>`,
    )
  }
  for (const value of layout.yTicks) {
    const ty = py(value)
    parts.push(
      `<line x1="${plot.x}" y1="${ty}" x2="${right}" y2="${ty}" stroke="${value === 1 ? '#888' : '#e4e4e4'}"${value === 1 ? ' stroke-dasharray="4 4"' : ''}/>`,
      `<text x="${plot.x - 8}" y="${ty + 4}" text-anchor="end">${value.toFixed(layout.yDecimals)}</text>`,
    )
  }
  parts.push(
    `<rect x="${plot.x}" y="${plot.y}" width="${plot.width}" height="${plot.height}" fill="none" stroke="#333"/>`,
    `<text x="${plot.x + plot.width / 2}" y="${bottom + 40}" text-anchor="middle">memory: float16 size ÷ physical size (log scale; 1× = float16, 2× = half of it)</text>`,
    `<text transform="translate(20 ${plot.y + plot.height / 2}) rotate(-90)" text-anchor="middle">perplexity ÷ full cache's</text>`,
  )
  if (layout.xTicks.includes(1))
    parts.push(`<text x="${px(1) + 4}" y="${bottom - 6}" fill="#666" font-size="11">float16 size</text>`)
  // Leader lines under the points, then points, then labels.
  for (const label of layout.labels) {
    const cx = Math.min(Math.max(label.anchorX, label.x), label.x + label.width)
    const cy = Math.min(Math.max(label.anchorY, label.y), label.y + label.height)
    parts.push(
      `<line x1="${label.anchorX}" y1="${label.anchorY}" x2="${cx}" y2="${cy}" stroke="${label.leader ? '#999' : '#666'}"/>`,
    )
  }
  for (const p of layout.points) {
    const title = `<title>${escapeXml(`${p.number}. ${p.result.label}: perplexity ×${p.result.perplexityRatio.toFixed(4)}, ${sizeCell(p.result.memory.physicalBytes, p.result.memory.float16Bytes)} than float16`)}</title>`
    parts.push(
      p.clipped
        ? `<path d="M ${p.x} ${p.y - 6} L ${p.x + 6} ${p.y + 5} L ${p.x - 6} ${p.y + 5} Z" fill="${colour(p.number)}" stroke="#222">${title}</path>`
        : `<circle cx="${p.x}" cy="${p.y}" r="5" fill="${colour(p.number)}" stroke="#222">${title}</circle>`,
    )
  }
  for (const label of layout.labels) {
    parts.push(
      `<text x="${label.x + 2}" y="${label.y + label.height - 3}" font-weight="bold">${escapeXml(label.text)}</text>`,
    )
  }
  if (layout.points.some((p) => p.clipped))
    parts.push(
      `<text x="${right}" y="${plot.y - 6}" text-anchor="end" fill="#555">▲ above the chart (value shown)</text>`,
    )
  // Legend: number, colour, label, and the two values.
  for (const [i, result] of report.results.entries()) {
    const box = layout.legend[i]!
    const n = i + 1
    const values = chartable(result)
      ? `${sizeCell(result.memory.physicalBytes, result.memory.float16Bytes)} than float16 · perplexity ×${result.perplexityRatio.toFixed(3)}`
      : 'not charted (no finite memory or perplexity ratio)'
    parts.push(
      `<circle cx="${box.x + 6}" cy="${box.y + 8}" r="6" fill="${colour(n)}" stroke="#222"/>`,
      `<text x="${box.x + 18}" y="${box.y + 12}"><tspan font-weight="bold">${n}</tspan> ${escapeXml(shorten(result.label, LEGEND_LABEL_CHARS))}<title>${escapeXml(result.label)}</title></text>`,
      `<text x="${box.x + 18}" y="${box.y + 26}" fill="#555" font-size="11">${escapeXml(values)}</text>`,
    )
  }
  parts.push('</svg>')
  return parts.join('\n')
}
