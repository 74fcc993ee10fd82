/**
 * Decode speed of this checkout at a given context: for each pipeline, prefill `context − steps` held-out
 * tokens, then time `steps` decode steps; prints the median tokens/s of `rounds` as JSON. Run it from two
 * checkouts alternately (separate processes) to compare a change that keeps the current API.
 * Usage: SPECS='full;kivi:bits=4' npx tsx tools/decode-speed/steps.ts [context=2048] [steps=64] [rounds=5]
 */
import { buildPipeline, heldOutTokens } from '@kv/eval'
import { loadModel } from '@kv/runtime/node'

const [context = 2048, steps = 64, rounds = 5] = process.argv.slice(2).map(Number)
const specs = (process.env.SPECS ?? 'full;kivi:bits=4;streaming:sinks=4,window=508+kivi:bits=4').split(';')
const model = await loadModel()
const stream = await heldOutTokens(model.tokenizer!, 0)
const prompt = new Int32Array(context - steps)
prompt.set(stream.subarray(40_000, 40_000 + prompt.length - 1), 1)
const next = stream.subarray(40_000 + prompt.length - 1, 40_000 + prompt.length - 1 + steps)

const rates: Record<string, number[]> = {}
for (let round = 0; round < rounds; round++) {
  for (const spec of specs) {
    const cache = model.createCache(buildPipeline(model, spec))
    await model.prefill(prompt, cache, { lastOnly: true })
    const start = performance.now()
    for (const token of next) await model.step(token, cache)
    ;(rates[spec] ??= []).push(steps / ((performance.now() - start) / 1000))
  }
}
const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
console.log(JSON.stringify(Object.fromEntries(Object.entries(rates).map(([s, r]) => [s, median(r)]))))
