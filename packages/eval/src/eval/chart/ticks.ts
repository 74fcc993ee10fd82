/** Round ticks for a linear axis: steps of 1, 2 or 5 × 10ᵏ, about `count` of them, covering [lo, hi]. */
export function linearTicks(lo: number, hi: number, count = 5): { ticks: number[]; step: number } {
  if (!(hi > lo)) throw new RangeError(`linearTicks: need lo < hi, got ${lo} and ${hi}`)
  const raw = (hi - lo) / count
  const power = 10 ** Math.floor(Math.log10(raw))
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power
  const first = Math.floor(lo / step + 1e-9)
  const last = Math.ceil(hi / step - 1e-9)
  const ticks: number[] = []
  // Multiples of the step computed from integers, so that 0.1 + 0.2 never shows as 0.30000000000000004.
  for (let i = first; i <= last; i++) ticks.push(Number((i * step).toPrecision(12)))
  return { ticks, step }
}

/** Decimals that show every tick of a step exactly: 0.005 → 3, 0.02 → 2, 5 → 0. */
export function decimalsFor(step: number): number {
  return Math.max(0, -Math.floor(Math.log10(step) + 1e-9))
}

/** Round factors for a log axis (memory ratios): 1, 1.5, 2, 3, 4, 6, 8… and their inverses. */
const LOG_TICKS = [
  1 / 16,
  1 / 8,
  1 / 4,
  1 / 3,
  1 / 2,
  2 / 3,
  1,
  1.5,
  2,
  3,
  4,
  6,
  8,
  12,
  16,
  24,
  32,
  48,
  64,
  96,
  128,
]

/**
 * Round ticks of a log axis covering [lo, hi] (both > 0): the domain widens to the nearest ticks outside,
 * and when more than `max` ticks fall inside only the powers of two stay.
 */
export function logTicks(lo: number, hi: number, max = 8): { ticks: number[]; lo: number; hi: number } {
  if (!(lo > 0 && hi >= lo)) throw new RangeError(`logTicks: need 0 < lo ≤ hi, got ${lo} and ${hi}`)
  const below = [...LOG_TICKS].reverse().find((t) => t <= lo * (1 + 1e-9)) ?? 2 ** Math.floor(Math.log2(lo))
  let above = LOG_TICKS.find((t) => t >= hi * (1 - 1e-9)) ?? 2 ** Math.ceil(Math.log2(hi))
  if (above === below) above = LOG_TICKS.find((t) => t > below) ?? below * 2
  let ticks = LOG_TICKS.filter((t) => t >= below * (1 - 1e-9) && t <= above * (1 + 1e-9))
  if (ticks.length > max) {
    // Many factors: only powers of two, from the one below `lo` to the one above `hi`.
    const first = Math.floor(Math.log2(lo) + 1e-9)
    const last = Math.ceil(Math.log2(hi) - 1e-9)
    ticks = Array.from({ length: last - first + 1 }, (_, i) => 2 ** (first + i))
    return { ticks, lo: ticks[0]!, hi: ticks[ticks.length - 1]! }
  }
  if (ticks.length < 4) {
    // A narrow range (3.5× to 3.6×): round linear steps read better than two far-apart factors.
    const linear = linearTicks(lo, hi, 4).ticks.filter((t) => t > 0)
    if (linear.length >= 2) return { ticks: linear, lo: linear[0]!, hi: linear[linear.length - 1]! }
  }
  return { ticks, lo: below, hi: above }
}

/** A factor as a tick label: 0.5×, 1×, 1.5×, ⅓ shown as 0.33×. */
export function factorLabel(value: number): string {
  return `${Number.isInteger(value) ? value : Number(value.toFixed(2))}×`
}
