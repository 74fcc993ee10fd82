import { HeadStore, type KVCache } from '@kv/cache'
import { formatBytes } from './dom.js'

/** Colours of the strip: what became of each position of the sequence in one layer × KV head. */
export const SLOT_COLOURS = {
  gone: '#d9dce3',
  window: '#2e9d5b',
  encoded: ['#2f6fde', '#8e44c9', '#c2307a'],
  merged: '#f08c00',
} as const

const ROW = 24
const LABEL = 54
const STATS = 300

/** One head's figures, as drawn beside its strip. */
export interface HeadFigures {
  readonly layer: number
  readonly head: number
  readonly held: number
  readonly logicalBytes: number
  readonly physicalBytes: number
  /** A float16 full cache of the same sequence for this head ÷ its physical bytes (0 when empty). */
  readonly ratio: number
}

/** Every head's figures, `[layer][head]` flattened in layer order. */
export function headFigures(cache: KVCache, numLayers: number, numKVHeads: number): HeadFigures[] {
  const figures: HeadFigures[] = []
  for (let layer = 0; layer < numLayers; layer++) {
    for (let head = 0; head < numKVHeads; head++) {
      const view = cache.head(layer, head)
      const physical = view.physicalBytes()
      const float16 = cache.length * view.headDim * 2 * 2
      figures.push({
        layer,
        head,
        held: view.count,
        logicalBytes: view.logicalBytes(),
        physicalBytes: physical,
        ratio: physical === 0 ? 0 : float16 / physical,
      })
    }
  }
  return figures
}

/**
 * Which encoded slots of a head are merged across layers (MiniCache): a merged block's side marks each
 * row it holds as retained (its own row kept) or merged (read as the pair's shared direction × this
 * layer's magnitude). 1 per merged slot, 0 otherwise, in slot order.
 */
export function sharedSlots(store: HeadStore): Uint8Array {
  const flags = new Uint8Array(store.count)
  let slot = 0
  for (const block of store.blocks) {
    const side = block.keys as { merged?: boolean; retainedIndex?: Int32Array }
    if (side.merged === true && side.retainedIndex !== undefined) {
      for (let row = 0; row < block.tokens && slot + row < flags.length; row++) {
        if (side.retainedIndex[row] === -1) flags[slot + row] = 1
      }
    }
    slot += block.tokens
  }
  return flags
}

/**
 * Draws the cache as a strip per layer × KV head over the sequence's positions: grey where the position
 * is not held (evicted, or never stored), green in the float32 window, blue / purple / magenta for
 * encoded slots at precision tier 0 / 1 / 2 (MiKV demotes to lower tiers), orange for merged slots (mass
 * above 1, or MiniCache's direction shared with the paired layer), with tokens held, bytes logical / physical and the ratio to float16 beside it.
 */
export function drawCache(
  canvas: HTMLCanvasElement,
  cache: KVCache,
  numLayers: number,
  numKVHeads: number,
): HeadFigures[] {
  const figures = headFigures(cache, numLayers, numKVHeads)
  const ratio = window.devicePixelRatio || 1
  const width = canvas.clientWidth || 900
  const height = figures.length * ROW + 4
  if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
    canvas.width = Math.round(width * ratio)
    canvas.height = Math.round(height * ratio)
    canvas.style.height = `${height}px`
  }
  const g = canvas.getContext('2d')!
  g.setTransform(ratio, 0, 0, ratio, 0, 0)
  g.clearRect(0, 0, width, height)
  g.font = '12px ui-monospace, SFMono-Regular, Menlo, monospace'
  g.textBaseline = 'middle'
  const stripWidth = Math.max(60, width - LABEL - STATS)
  const length = Math.max(1, cache.length)
  const scale = stripWidth / length
  for (let i = 0; i < figures.length; i++) {
    const f = figures[i]!
    const y = i * ROW + 2
    g.fillStyle = f.head === 0 ? '#1f2430' : '#5b6275'
    g.fillText(`L${f.layer} H${f.head}`, 2, y + ROW / 2)
    g.fillStyle = SLOT_COLOURS.gone
    g.fillRect(LABEL, y + 3, Math.floor(cache.length * scale), ROW - 6)
    const view = cache.head(f.layer, f.head)
    const positions = view.positions()
    const mass = view.mass()
    const tiers = view instanceof HeadStore ? view.stats.tiers : undefined
    const shared = view instanceof HeadStore ? sharedSlots(view) : undefined
    for (let slot = 0; slot < positions.length; slot++) {
      g.fillStyle =
        mass[slot]! > 1 || shared?.[slot] === 1
          ? SLOT_COLOURS.merged
          : slot >= view.encodedCount
            ? SLOT_COLOURS.window
            : SLOT_COLOURS.encoded[Math.min(2, tiers?.[slot] ?? 0)]!
      // Whole pixels: fractional rectangles side by side leave seams where anti-aliasing shows through.
      const x0 = Math.floor(positions[slot]! * scale)
      const x1 = Math.max(x0 + 1, Math.floor((positions[slot]! + 1) * scale))
      g.fillRect(LABEL + x0, y + 3, x1 - x0, ROW - 6)
    }
    g.fillStyle = '#1f2430'
    const text = `${String(f.held).padStart(4)} held  ${formatBytes(f.logicalBytes).padStart(8)} / ${formatBytes(f.physicalBytes).padStart(8)}  ${f.ratio.toFixed(2)}×`
    g.fillText(text, LABEL + stripWidth + 8, y + ROW / 2)
  }
  return figures
}
