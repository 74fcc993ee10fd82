// Bytes stored by PrefixCache for one long prompt, as a chain of chunk deltas, against storing each
// boundary's whole state and against a float16 cache. `pnpm --filter @kv/store bench:chains`
// (--prompt=2048 --chunk=256). Embedded model, held-out text.
import { buildPipeline, heldOutTokens } from '@kv/eval'
import { requireTokenizer } from '@kv/runtime'
import { loadModel } from '@kv/runtime/node'
import { concatChunks, encodeState, MemoryStore, modelIdentity, PrefixCache } from '../src/index.js'
import { STORED_PIPELINES } from './pipelines.js'

const option = (name: string, fallback: number) =>
  Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback)
const PROMPT = option('prompt', 2048)
const CHUNK = option('chunk', 256)
const LAST = process.argv.includes('--boundaries=last')

const model = await loadModel()
const stream = await heldOutTokens(requireTokenizer(model, 'bench'), model.config.bosTokenId)
const prompt = stream.subarray(40_000, 40_000 + PROMPT + 1) // one more token: the last boundary is stored
const identity = modelIdentity(model.config)
const { numLayers, numKVHeads, headDim } = model.config
const float16PerToken = 2 * numLayers * numKVHeads * headDim * 2
const chunks = Math.floor(PROMPT / CHUNK)

console.log(
  `embedded model, ${PROMPT}-token held-out prompt in chunks of ${CHUNK} (${chunks} chunks), boundaries: ${LAST ? 'last' : 'every'}; float16 = ${float16PerToken} bytes/token`,
)
console.log(
  '| pipeline | chain: bytes stored | bytes/token | float16 ÷ chain | whole state at every boundary | ÷ chain | last whole state |',
)
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |')
for (const [name, spec] of Object.entries(STORED_PIPELINES)) {
  const prefixes = new PrefixCache(new MemoryStore(), {
    identity,
    pipeline: spec,
    chunkTokens: CHUNK,
    boundaries: LAST ? 'last' : 'every',
  })
  const cold = await prefixes.prefill(model, model.createCache(buildPipeline(model, spec)), prompt)
  let everyBoundary = 0
  let last = 0
  // Under `last`, only the last boundary is restorable: the whole states of the others are not measured.
  for (let k = LAST ? chunks : 1; k <= chunks; k++) {
    const hit = await prefixes.lookup(prompt.subarray(0, k * CHUNK + 1))
    if (hit?.tokens !== k * CHUNK) throw new Error(`${spec}: chunk ${k} did not read back`)
    last = (await concatChunks(encodeState(hit.state, { identity, pipeline: spec }))).length
    everyBoundary += last
  }
  const tokens = chunks * CHUNK
  console.log(
    `| ${name} \`${spec}\` | ${cold.storedBytes.toLocaleString('en')} | ${(cold.storedBytes / tokens).toFixed(0)} | ${((float16PerToken * tokens) / cold.storedBytes).toFixed(2)} | ${LAST ? '—' : everyBoundary.toLocaleString('en')} | ${LAST ? '—' : (everyBoundary / cold.storedBytes).toFixed(2)} | ${last.toLocaleString('en')} |`,
  )
}
