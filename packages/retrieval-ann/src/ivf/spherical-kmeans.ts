import { dotAt } from '../validate.js'
import { seededUniform } from './seeded-rng.js'

/** Centroids of the sample queries: `[cells, dim]`, each of unit length. */
export interface QueryClusters {
  readonly centroids: Float32Array
  readonly cells: number
  /** The cell of each sample query. */
  readonly assignment: Int32Array
}

/**
 * Spherical k-means over the sample queries. A query's top keys do not change when the query is scaled, so
 * queries are clustered by direction: unit centroids, assignment by largest inner product. That is also the
 * rule search uses to pick cells, so build and search agree. Seeding is k-means++ on cosine distance with a
 * seeded generator; an emptied cell is re-seeded with the query worst served by its centroid.
 *
 * @example
 * const q = new Float32Array([1, 0, 0.9, 0.1, 0, 1, 0.1, 0.9])
 * sphericalKMeans(q, 4, 2, 2, 10, 1).cells // 2
 */
export function sphericalKMeans(
  queries: Float32Array,
  count: number,
  dim: number,
  cells: number,
  iterations: number,
  seed: number,
): QueryClusters {
  const unit = new Float32Array(count * dim)
  for (let i = 0; i < count; i++) {
    const norm = Math.sqrt(dotAt(queries, i * dim, queries, i * dim, dim))
    // A zero query has no direction; it stays zero and joins whichever cell ties first.
    const inv = norm > 0 ? 1 / norm : 0
    for (let j = 0; j < dim; j++) unit[i * dim + j] = queries[i * dim + j]! * inv
  }
  const centroids = seedCentroids(unit, count, dim, cells, seededUniform(seed))
  const assignment = new Int32Array(count)
  const best = new Float64Array(count)
  const sums = new Float64Array(cells * dim)
  const sizes = new Int32Array(cells)
  for (let iter = 0; iter <= iterations; iter++) {
    let changed = 0
    for (let i = 0; i < count; i++) {
      let bestCell = 0
      let bestScore = Number.NEGATIVE_INFINITY
      for (let c = 0; c < cells; c++) {
        const s = dotAt(unit, i * dim, centroids, c * dim, dim)
        if (s > bestScore) {
          bestScore = s
          bestCell = c
        }
      }
      if (assignment[i] !== bestCell) changed++
      assignment[i] = bestCell
      best[i] = bestScore
    }
    if (iter === iterations || (iter > 0 && changed === 0)) break
    sums.fill(0)
    sizes.fill(0)
    for (let i = 0; i < count; i++) {
      const c = assignment[i]!
      sizes[c]!++
      for (let j = 0; j < dim; j++) sums[c * dim + j]! += unit[i * dim + j]!
    }
    for (let c = 0; c < cells; c++) {
      if (sizes[c] === 0) {
        let worst = 0
        for (let i = 1; i < count; i++) if (best[i]! < best[worst]!) worst = i
        best[worst] = Number.POSITIVE_INFINITY
        for (let j = 0; j < dim; j++) sums[c * dim + j] = unit[worst * dim + j]!
      }
      let norm = 0
      for (let j = 0; j < dim; j++) norm += sums[c * dim + j]! * sums[c * dim + j]!
      const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0
      for (let j = 0; j < dim; j++) centroids[c * dim + j] = sums[c * dim + j]! * inv
    }
  }
  return { centroids, cells, assignment }
}

/** k-means++ seeding with cosine distance 1 − cos, drawing each next centroid ∝ its distance. */
function seedCentroids(
  unit: Float32Array,
  count: number,
  dim: number,
  cells: number,
  uniform: () => number,
): Float32Array {
  const centroids = new Float32Array(cells * dim)
  const distance = new Float64Array(count).fill(Number.POSITIVE_INFINITY)
  let pick = Math.floor(uniform() * count)
  for (let c = 0; c < cells; c++) {
    centroids.set(unit.subarray(pick * dim, pick * dim + dim), c * dim)
    let total = 0
    for (let i = 0; i < count; i++) {
      const d = Math.max(0, 1 - dotAt(unit, i * dim, centroids, c * dim, dim))
      if (d < distance[i]!) distance[i] = d
      total += distance[i]!
    }
    if (total <= 0) {
      pick = Math.floor(uniform() * count)
      continue
    }
    let target = uniform() * total
    pick = count - 1
    for (let i = 0; i < count; i++) {
      target -= distance[i]!
      if (target < 0) {
        pick = i
        break
      }
    }
  }
  return centroids
}
