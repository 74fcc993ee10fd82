/**
 * Records the golden logit hashes (run once, before a change that must not move any number):
 * `pnpm exec tsx packages/eval/test/golden/record.ts`.
 */
import { writeFileSync } from 'node:fs'
import { loadModel } from '@kv/runtime/node'
import { GOLDEN_PIPELINES, goldenHash } from './golden-run.js'

const model = await loadModel()
const hashes: Record<string, string> = {}
for (const [name, spec] of Object.entries(GOLDEN_PIPELINES)) {
  const started = performance.now()
  hashes[name] = await goldenHash(model, spec)
  process.stderr.write(`${name} ${hashes[name]} ${((performance.now() - started) / 1000).toFixed(1)} s\n`)
}
writeFileSync(new URL('./golden-logits.json', import.meta.url), `${JSON.stringify(hashes, null, 2)}\n`)
