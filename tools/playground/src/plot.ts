import type { ScoredToken } from './metrics.js'

const FULL = '#5b6275'
const COMPOSED = '#2f6fde'
const KL = '#f08c00'

/**
 * Plots scored held-out tokens: the running perplexity of both caches (lines, left axis, log scale) and the KL of
 * each token (bars, right axis), with a red tick where the two caches' top-1 tokens differ.
 */
export function plotScores(canvas: HTMLCanvasElement, scored: readonly ScoredToken[]): void {
  const ratio = window.devicePixelRatio || 1
  const width = canvas.clientWidth || 900
  const height = 220
  canvas.width = Math.round(width * ratio)
  canvas.height = Math.round(height * ratio)
  canvas.style.height = `${height}px`
  const g = canvas.getContext('2d')!
  g.setTransform(ratio, 0, 0, ratio, 0, 0)
  g.clearRect(0, 0, width, height)
  const left = 48
  const right = 48
  const top = 22
  const bottom = 26
  const w = width - left - right
  const h = height - top - bottom
  const n = scored.length
  if (n === 0) return
  const running = (key: 'nllFull' | 'nllComposed') => {
    let sum = 0
    return scored.map((s, i) => {
      sum += s[key]
      return Math.exp(sum / (i + 1))
    })
  }
  const full = running('nllFull')
  const composed = running('nllComposed')
  // Perplexity on a log scale from 1: the first tokens' spikes would flatten a linear axis.
  const logMax = Math.max(1, Math.ceil(Math.log10(Math.max(...full, ...composed))))
  const pplY = (value: number) => top + h - (Math.log10(Math.max(1, value)) / logMax) * h
  const klMax = Math.max(1e-6, ...scored.map((s) => s.kl)) * 1.1
  const x = (i: number) => left + (n === 1 ? w / 2 : (i / (n - 1)) * w)
  g.font = '11px system-ui, sans-serif'
  g.strokeStyle = '#e3e6ec'
  g.fillStyle = '#5b6275'
  g.textBaseline = 'middle'
  for (let t = 0; t <= logMax; t++) {
    const y = top + h - (t / logMax) * h
    g.beginPath()
    g.moveTo(left, y)
    g.lineTo(left + w, y)
    g.stroke()
    g.textAlign = 'right'
    g.fillText(String(10 ** t), left - 6, y)
  }
  g.textAlign = 'left'
  g.fillStyle = KL
  for (let t = 0; t <= 4; t++) g.fillText(((t / 4) * klMax).toFixed(3), left + w + 6, top + h - (t / 4) * h)
  g.fillStyle = '#5b6275'
  const barWidth = Math.max(1, w / n - 1)
  g.fillStyle = KL
  g.globalAlpha = 0.55
  scored.forEach((s, i) => {
    const barHeight = (s.kl / klMax) * h
    g.fillRect(x(i) - barWidth / 2, top + h - barHeight, barWidth, barHeight)
  })
  g.globalAlpha = 1
  g.fillStyle = '#d6336c'
  scored.forEach((s, i) => {
    if (!s.top1) g.fillRect(x(i) - 1, top + h + 3, 2, 6)
  })
  for (const [series, colour] of [
    [full, FULL],
    [composed, COMPOSED],
  ] as const) {
    g.strokeStyle = colour
    g.lineWidth = 2
    g.beginPath()
    series.forEach((value, i) => {
      const y = pplY(value)
      if (i === 0) g.moveTo(x(i), y)
      else g.lineTo(x(i), y)
    })
    g.stroke()
  }
  g.lineWidth = 1
  g.textAlign = 'left'
  g.textBaseline = 'alphabetic'
  const legend: [string, string][] = [
    ['running perplexity, full cache (log scale)', FULL],
    ['running perplexity, composed cache', COMPOSED],
    ['KL per token (right axis)', KL],
    ['top-1 differs', '#d6336c'],
  ]
  let lx = left
  for (const [label, colour] of legend) {
    g.fillStyle = colour
    g.fillRect(lx, 8, 10, 10)
    g.fillStyle = '#1f2430'
    g.fillText(label, lx + 14, 17)
    lx += g.measureText(label).width + 32
  }
  g.fillStyle = '#5b6275'
  g.textAlign = 'center'
  g.fillText(`held-out token (1–${n})`, left + w / 2, height - 4)
}
