/**
 * Tokens per second of one `generate()` call around given token counts (default 1,000 and 20,000), with a
 * StreamingLLM cache so the sequence can run past the model's context. Sampling at temperature 1 keeps the
 * text varied; EOS does not stop it.
 * Usage: npx tsx tools/decode-speed/generate-speed.ts [tokens=20000] [spec]
 */
import { buildPipeline } from '@kv/eval'
import { loadModel } from '@kv/runtime/node'

const total = Number(process.argv[2] ?? 20_000)
const spec = process.argv[3] ?? 'streaming:sinks=4,window=508'
const model = await loadModel()
const cache = model.createCache(buildPipeline(model, spec))
const marks = [1_000, total].filter((m) => m <= total)
const window = 200
let count = 0
let started = 0
for await (const _ of model.generate('Fellow citizens,', {
  cache,
  maxTokens: total,
  temperature: 1,
  seed: 7,
  stopAtEos: false,
  onToken: () => {
    count++
    for (const mark of marks) {
      if (count === mark - window) started = performance.now()
      if (count === mark) {
        const rate = window / ((performance.now() - started) / 1000)
        console.log(
          `${spec}: tokens ${mark - window}–${mark} of one generate() call: ${rate.toFixed(1)} tok/s`,
        )
      }
    }
  },
})) {
  // the text pieces are not needed here
}
