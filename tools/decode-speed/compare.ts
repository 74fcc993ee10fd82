/**
 * Decode speed at a given context, before and after a change, in one run: loads the runtime of another
 * checkout (BEFORE, a worktree of the older commit with its own node_modules) beside this one and times
 * both on the same prompt, interleaved round by round (median of ROUNDS).
 * Usage: BEFORE=/path/to/old/checkout npx tsx tools/decode-speed/compare.ts [context=2048] [steps=64] [rounds=5]
 * The older checkout is expected to have the pre-@kv/cache API (`loadModel` and `buildPipeline` on the
 * root entry, synchronous prefill/step); this one, the current API.
 */
import { heldOutTokens, methodRegistry, buildContext as newContext } from '@kv/eval'
import { loadModel } from '@kv/runtime/node'

interface Runner {
  label: string
  decode(spec: string, prompt: Int32Array, next: Int32Array): Promise<number>
}

const [context = 2048, steps = 64, rounds = 5] = process.argv.slice(2).map(Number)
const before = process.env.BEFORE
if (!before) throw new Error('set BEFORE to the older checkout')
// biome-ignore lint/suspicious/noExplicitAny: the older checkout's API is not typed here
const old: any = await import(`${before}/packages/runtime/src/index.ts`)

const oldModel = await old.loadModel()
const newModel = await loadModel()
const registry = methodRegistry()
const stream = await heldOutTokens(newModel.tokenizer!, 0)
const prompt = new Int32Array(context - steps)
prompt.set(stream.subarray(40_000, 40_000 + prompt.length - 1), 1)
const next = stream.subarray(40_000 + prompt.length - 1, 40_000 + prompt.length - 1 + steps)

const runners: Runner[] = [
  {
    label: 'before',
    async decode(spec, p, n) {
      const cache = oldModel.createCache(await old.buildPipeline(spec, oldContext()))
      oldModel.prefill(p, cache, { lastOnly: true })
      const started = performance.now()
      for (const token of n) oldModel.step(token, cache)
      return n.length / ((performance.now() - started) / 1000)
    },
  },
  {
    label: 'after',
    async decode(spec, p, n) {
      const cache = newModel.createCache(registry.build(spec, newContext(newModel)))
      await newModel.prefill(p, cache, { lastOnly: true })
      const started = performance.now()
      for (const token of n) await newModel.step(token, cache)
      return n.length / ((performance.now() - started) / 1000)
    },
  },
]

function oldContext() {
  const { numLayers, numKVHeads, maxPositions } = oldModel.config
  return { numLayers, numKVHeads, maxPositions, readJson: () => undefined, headScores: undefined }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
for (const spec of (process.env.SPECS ?? 'full;kivi:bits=4;streaming:sinks=4,window=508+kivi:bits=4').split(
  ';',
)) {
  const speeds: Record<string, number[]> = { before: [], after: [] }
  for (let round = 0; round < rounds; round++) {
    for (const runner of round % 2 === 0 ? runners : [...runners].reverse()) {
      speeds[runner.label]!.push(await runner.decode(spec, prompt, next))
    }
  }
  const b = median(speeds.before!)
  const a = median(speeds.after!)
  console.log(
    `${spec}: decode at ${context} tokens of context, ${steps} steps, median of ${rounds}: before ${b.toFixed(1)} tok/s, after ${a.toFixed(1)} tok/s, after/before ${(a / b).toFixed(3)}`,
  )
}
