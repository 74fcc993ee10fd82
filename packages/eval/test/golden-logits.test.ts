import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { GOLDEN_PIPELINES, goldenHash } from './golden/golden-run.js'
import { embeddedModel } from './support.js'

/**
 * Logits recorded before the cache moved into its own package (golden/record.ts): every pipeline must
 * give bit-identical logits after any refactoring that is not meant to change a number.
 */
const recorded = JSON.parse(
  readFileSync(new URL('./golden/golden-logits.json', import.meta.url), 'utf8'),
) as Record<string, string>

describe('golden logits', () => {
  it('covers every golden pipeline', () => {
    expect(Object.keys(recorded).sort()).toEqual(Object.keys(GOLDEN_PIPELINES).sort())
  })
  for (const [name, spec] of Object.entries(GOLDEN_PIPELINES)) {
    it(`${name} (${spec}) gives bit-identical logits`, async () => {
      const model = await embeddedModel()
      expect(await goldenHash(model, spec)).toBe(recorded[name])
    }, 60_000)
  }
})
