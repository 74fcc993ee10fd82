import type { Model } from '@kv/runtime'
import { loadModel } from '@kv/runtime/node'

let shared: Promise<Model> | undefined

/** The embedded model, loaded once per test file. */
export function embeddedModel(): Promise<Model> {
  shared ??= loadModel()
  return shared
}
