/** An axis-aligned box in pixels. */
export interface Box {
  readonly x: number
  readonly y: number
  readonly width: number
  readonly height: number
}

export function overlaps(a: Box, b: Box, gap = 0): boolean {
  return (
    a.x < b.x + b.width + gap &&
    b.x < a.x + a.width + gap &&
    a.y < b.y + b.height + gap &&
    b.y < a.y + a.height + gap
  )
}

/** A label to place beside its anchor point. */
export interface LabelRequest {
  readonly anchorX: number
  readonly anchorY: number
  readonly width: number
  readonly height: number
}

/** Where a label went: its box, and whether it sits away from its point (drawn with a leader line). */
export interface PlacedLabel extends Box {
  readonly leader: boolean
}

/**
 * Places labels beside their points without overlapping each other, the points, or the edge of `bounds`:
 * first the eight spots around the point, then spots further out along those directions (drawn with a
 * leader line). Labels are placed in the order given; the first free spot wins.
 */
export function placeLabels(
  requests: readonly LabelRequest[],
  bounds: Box,
  obstacles: readonly Box[] = [],
): PlacedLabel[] {
  const placed: PlacedLabel[] = []
  const taken: Box[] = [...obstacles]
  const inside = (b: Box) =>
    b.x >= bounds.x &&
    b.y >= bounds.y &&
    b.x + b.width <= bounds.x + bounds.width &&
    b.y + b.height <= bounds.y + bounds.height
  const directions = [
    [1, -1],
    [1, 1],
    [-1, -1],
    [-1, 1],
    [1, 0],
    [-1, 0],
    [0, -1],
    [0, 1],
  ] as const
  for (const r of requests) {
    let chosen: PlacedLabel | undefined
    for (let ring = 0; ring < 12 && !chosen; ring++) {
      const distance = 8 + ring * 10
      for (const [dx, dy] of directions) {
        const x =
          dx > 0 ? r.anchorX + distance : dx < 0 ? r.anchorX - distance - r.width : r.anchorX - r.width / 2
        const y =
          dy > 0 ? r.anchorY + distance : dy < 0 ? r.anchorY - distance - r.height : r.anchorY - r.height / 2
        const box = { x, y, width: r.width, height: r.height }
        if (inside(box) && !taken.some((t) => overlaps(box, t, 1))) {
          chosen = { ...box, leader: ring > 0 }
          break
        }
      }
    }
    // Nowhere free: keep it at the first spot, inside the bounds (the legend still names the point).
    chosen ??= {
      x: Math.min(Math.max(r.anchorX + 6, bounds.x), bounds.x + bounds.width - r.width),
      y: Math.min(Math.max(r.anchorY - 6 - r.height, bounds.y), bounds.y + bounds.height - r.height),
      width: r.width,
      height: r.height,
      leader: false,
    }
    placed.push(chosen)
    taken.push(chosen)
  }
  return placed
}
