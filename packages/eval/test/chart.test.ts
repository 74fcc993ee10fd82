import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { type Box, overlaps } from '../src/eval/chart/label-layout.js'
import { clipHigh } from '../src/eval/chart/outliers.js'
import { chartLayout } from '../src/eval/chart/report-chart.js'
import { linearTicks, logTicks } from '../src/eval/chart/ticks.js'
import { reportChart } from '../src/eval/report.js'
import { fakeReport, fakeResult, TEN_CROWDED, TEN_PIPELINES } from './chart-fixture.js'

const inside = (b: Box, area: Box) =>
  b.x >= area.x - 1e-9 &&
  b.y >= area.y - 1e-9 &&
  b.x + b.width <= area.x + area.width + 1e-9 &&
  b.y + b.height <= area.y + area.height + 1e-9

function expectReadable(report: ReturnType<typeof fakeReport>) {
  const layout = chartLayout(report)
  for (const [i, a] of layout.labels.entries()) {
    expect(inside(a, layout.plot)).toBe(true)
    for (const b of layout.labels.slice(i + 1)) expect(overlaps(a, b)).toBe(false)
    for (const p of layout.points)
      expect(overlaps(a, { x: p.x - 5, y: p.y - 5, width: 10, height: 10 })).toBe(false)
  }
  for (const p of layout.points)
    expect(inside({ x: p.x, y: p.y, width: 0, height: 0 }, layout.plot)).toBe(true)
  // Every point is named once, by its number, in some label.
  const named = layout.labels
    .flatMap((l) =>
      l.text.includes('↑')
        ? [...l.text.matchAll(/(\d+) ↑ ×/g)].map((m) => Number(m[1]))
        : l.text.split(',').map(Number),
    )
    .sort((a, b) => a - b)
  expect(named).toEqual(layout.points.map((p) => p.number).sort((a, b) => a - b))
  return layout
}

describe('the --svg chart', () => {
  it('ten pipelines with an outlier: the outlier is clipped to the top with its value, the rest spread out', () => {
    const layout = expectReadable(TEN_PIPELINES)
    const clipped = layout.points.filter((p) => p.clipped).map((p) => p.result.label)
    expect(clipped).toEqual(['h2o:heavy=0.1,recent=0.1'])
    expect(layout.labels.some((l) => l.text === '5 ↑ ×3.84')).toBe(true)
    // The others use most of the height: the axis stops just above the largest kept ratio.
    expect(layout.yTicks.at(-1)).toBeLessThanOrEqual(1.05)
    expect(layout.xTicks).toEqual([0.25, 0.5, 1, 2, 4, 8, 16])
    const svg = reportChart(TEN_PIPELINES)
    expect(svg).toContain('▲ above the chart')
    expect(svg).toContain('13.80× smaller than float16')
    expect(svg).toContain('2.00× larger than float16')
    expect(svg).not.toMatch(/NaN|undefined/)
  })

  it('two outliers at one spot each show their value; a clipped point never shares a label with a kept one', () => {
    const report = fakeReport([
      ...Array.from({ length: 6 }, (_, i) => fakeResult(`kept-${i}`, 2 + i, 1.001 + i * 0.002)),
      fakeResult('far', 3, 9.5),
      fakeResult('farther', 3, 30),
    ])
    const layout = expectReadable(report)
    expect(layout.labels.map((l) => l.text)).toContain('7 ↑ ×9.50, 8 ↑ ×30.00')
  })

  it('ten pipelines crowded in one corner: labels still clear of each other and of the points', () => {
    const layout = expectReadable(TEN_CROWDED)
    expect(layout.points.every((p) => !p.clipped)).toBe(true)
    expect(layout.xTicks.length).toBeGreaterThanOrEqual(3)
  })

  it('any 1–12 pipelines: labels never overlap, ticks are round, at most a third clipped', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            memory: fc.double({ min: 0.3, max: 40, noNaN: true }),
            quality: fc.oneof(
              fc.double({ min: 0.98, max: 1.1, noNaN: true }),
              fc.double({ min: 1, max: 20, noNaN: true }),
            ),
          }),
          { minLength: 1, maxLength: 12 },
        ),
        (rows) => {
          const report = fakeReport(rows.map((r, i) => fakeResult(`pipeline-${i}`, r.memory, r.quality)))
          const layout = expectReadable(report)
          expect(layout.points.filter((p) => p.clipped).length).toBeLessThanOrEqual(rows.length / 3)
          for (const tick of layout.yTicks) {
            const scaled = tick * 10 ** layout.yDecimals
            expect(Math.abs(scaled - Math.round(scaled))).toBeLessThan(1e-6)
          }
        },
      ),
      { numRuns: 60 },
    )
  })

  it('ticks: linear steps of 1, 2 or 5 × 10ᵏ covering the range; log ticks from round factors', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -5, max: 5, noNaN: true }),
        fc.double({ min: 1e-4, max: 10, noNaN: true }),
        (lo, span) => {
          const { ticks, step } = linearTicks(lo, lo + span, 5)
          expect(ticks[0]).toBeLessThanOrEqual(lo + 1e-9)
          expect(ticks.at(-1)).toBeGreaterThanOrEqual(lo + span - 1e-9)
          const mantissa = step / 10 ** Math.floor(Math.log10(step) + 1e-12)
          expect([1, 2, 5, 10].some((m) => Math.abs(m - mantissa) < 1e-9)).toBe(true)
          expect(ticks.length).toBeLessThanOrEqual(12)
        },
      ),
    )
    expect(logTicks(0.45, 14)).toEqual({ ticks: [0.25, 0.5, 1, 2, 4, 8, 16], lo: 0.25, hi: 16 })
    expect(logTicks(1.3, 3.9).ticks).toEqual([1, 1.5, 2, 3, 4])
    expect(clipHigh([1.001, 1.004, 1.02, 3.5])).toEqual({ kept: 1.02, clipped: [false, false, false, true] })
    expect(clipHigh([1, 1.01, 1.02, 1.03]).clipped).toEqual([false, false, false, false])
  })
})
