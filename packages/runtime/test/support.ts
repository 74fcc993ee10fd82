import { readFileSync } from 'node:fs'
import type { Model } from '../src/index.js'
import { loadModel } from '../src/node/index.js'

let shared: Promise<Model> | undefined

/** The embedded model, loaded once per test file. */
export function embeddedModel(): Promise<Model> {
  shared ??= loadModel()
  return shared
}

/**
 * The start of the held-out token stream of the embedded model (`heldOutTokens` of @kv/eval, which holds
 * the text; @kv/eval's tests check this copy against it), so that the runtime's tests decode real
 * held-out text without depending on the evaluation package.
 */
export function heldOutStart(): Int32Array {
  const fixture = JSON.parse(
    readFileSync(new URL('./fixtures/heldout-tokens.json', import.meta.url), 'utf8'),
  ) as { tokens: number[] }
  return Int32Array.from(fixture.tokens)
}

/** The largest absolute difference of two arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let max = 0
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!))
  return max
}
