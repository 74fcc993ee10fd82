/**
 * Cost of one decode-step plan per head, against a baseline in the same run: one pass over the slots
 * (summing the attention array), the least work any attention-reading policy must do.
 * Run: `pnpm --filter @kv/evict bench` (or `npx tsx packages/evict/bench/plan.bench.ts`).
 */
import type { KVPolicy, SlotView } from '@kv/tensor/contracts'
import { d2o, h2o, headwise, sparseWindow, streamingLLM } from '../src/index.js'

const headDim = 64
const count = Number(process.env.BENCH_COUNT ?? 4096)
const slots = (n: number) => `${n} slots`

function makeView(n: number, seed: number): SlotView {
  let s = seed
  const rand = () => {
    s = (s * 1103515245 + 12345) >>> 0
    return s / 4294967296
  }
  const keys = Float32Array.from({ length: n * headDim }, () => rand() - 0.5)
  return {
    layer: 2,
    head: 0,
    numLayers: 4,
    numHeads: 1,
    headDim,
    count: n,
    position: n - 1,
    phase: 'decode',
    positions: Int32Array.from({ length: n }, (_, i) => i),
    attention: Float32Array.from({ length: n }, () => rand()),
    lastAttention: Float32Array.from({ length: n }, () => rand() / n),
    observed: Float32Array.from({ length: n }, (_, i) => n - i),
    tiers: new Uint8Array(n),
    mass: new Float32Array(n).fill(1),
    keys: () => keys,
    values: () => keys,
  }
}

/** Median of 7 timed batches (the machine is shared, single batches are noisy). */
function time(label: string, fn: () => unknown, baseline?: number): number {
  for (let i = 0; i < 50; i++) fn()
  const reps = 200
  const batches: number[] = []
  for (let b = 0; b < 7; b++) {
    const start = performance.now()
    for (let i = 0; i < reps; i++) fn()
    batches.push(((performance.now() - start) / reps) * 1000)
  }
  const us = batches.sort((a, b) => a - b)[3]!
  const ratio = baseline === undefined ? '' : `  ×${(us / baseline).toFixed(1)} baseline`
  console.log(`${label.padEnd(52)} ${us.toFixed(1).padStart(9)} µs/plan${ratio}`)
  return us
}

/**
 * A policy that has compressed a prompt of `count` tokens, and the decode-step view it then sees: the
 * slots it kept plus one new token (one over budget, the steady state).
 */
function primed(policy: KVPolicy): SlotView {
  const prompt = makeView(count, 7)
  for (let l = 0; l < prompt.numLayers; l++) policy.observe?.(l, 0, prompt.attention, count)
  const plan = policy.plan({ ...prompt, phase: 'prefill' })
  const kept = count - (plan?.evict?.length ?? 0) - (plan?.merge?.from.length ?? 0)
  return { ...makeView(kept + 1, 11), position: count }
}

console.log(`one head, prompt of ${slots(count)}, headDim ${headDim}; decode step one slot over budget`)
const baseView = makeView(count, 7)
const baseline = time(`baseline: one pass over attention [${slots(count)}]`, () => {
  let sum = 0
  for (let i = 0; i < baseView.count; i++) sum += baseView.attention[i]!
  return sum
})
const cases: Array<[string, KVPolicy]> = [
  ['streamingLLM(4, count-5)', streamingLLM({ sinks: 4, window: count - 5 })],
  ['h2o(heavyTokens, recentTokens)', h2o({ heavyTokens: count / 2 - 1, recentTokens: count / 2 - 1 })],
  ['d2o(0.1, 0.1) (H2O + cosine merge)', d2o()],
  ['sparseWindow(0.1, 0.1)', sparseWindow()],
  [
    'headwise razor (recent = count-6)',
    headwise({ retrievalHeads: [[false], [false], [false], [false]], recent: count - 6 }),
  ],
]
for (const [label, policy] of cases) {
  const view = primed(policy)
  time(`${label} [${slots(view.count)}]`, () => policy.plan(view), baseline)
}
