import type { Model } from '../src/index.js'
import { loadModel } from '../src/node/index.js'

let shared: Promise<Model> | undefined

/** The embedded model, loaded once per test file. */
export function embeddedModel(): Promise<Model> {
  shared ??= loadModel()
  return shared
}

/** The largest absolute difference of two arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let max = 0
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!))
  return max
}
