/**
 * A small seeded generator (mulberry32) for k-means seeding: builds must be reproducible and library code
 * never calls `Math.random`.
 *
 * @example
 * const next = seededUniform(1)
 * next() // a number in [0, 1), the same for every run with seed 1
 */
export function seededUniform(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
