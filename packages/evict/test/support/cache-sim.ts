import type { CachePhase, KVPolicy, SlotPlan, SlotView } from '@kv/tensor/contracts'
import { HeadSim } from './head-sim.js'
import { softmax, TestRng } from './rng.js'

/** Shape and length of a simulated run. */
export interface SimOptions {
  readonly numLayers: number
  readonly numHeads: number
  readonly headDim: number
  /** Prompt tokens (prefill), then `steps` decoded tokens. */
  readonly prompt: number
  readonly steps: number
  readonly seed: number
  /** Key clusters (few clusters make D2O merges likely). Default 3. */
  readonly clusters?: number
  /** Every `heavyEvery`-th position gets an attention bonus (planted heavy hitters). Default 7. */
  readonly heavyEvery?: number
}

/** What the checker sees after each plan: the view the policy got, its plan, the head after applying it. */
export interface SimEvent {
  readonly phase: CachePhase
  readonly layer: number
  readonly head: number
  readonly view: SlotView
  readonly plan: SlotPlan | null
  readonly sim: HeadSim
}

/**
 * Runs a policy over a synthetic sequence: every head of every layer appends each token, attends with
 * seeded synthetic weights (causal rows during the prompt), reports them through `observe`, then gets a
 * plan (after the prompt and after every decoded token) that is applied exactly as the contract says.
 */
export function runSim(
  policy: KVPolicy,
  options: SimOptions,
  onEvent: (event: SimEvent) => void = () => {},
): HeadSim[][] {
  const { numLayers, numHeads, headDim, prompt, steps } = options
  const rng = new TestRng(options.seed)
  const clusters = Array.from({ length: options.clusters ?? 3 }, () =>
    Float32Array.from({ length: headDim }, () => rng.normal()),
  )
  const heavyEvery = options.heavyEvery ?? 7
  const heads = Array.from({ length: numLayers }, () =>
    Array.from({ length: numHeads }, () => new HeadSim(headDim)),
  )
  const appendToken = (position: number) => {
    for (const row of heads) {
      for (const sim of row) {
        const c = clusters[rng.int(clusters.length)]!
        const key = Float32Array.from(c, (x) => x + 0.3 * rng.normal())
        const value = Float32Array.from({ length: headDim }, () => rng.normal())
        sim.append(position, key, value)
      }
    }
  }
  const attendAll = () => {
    heads.forEach((row, layer) => {
      row.forEach((sim, head) => {
        const count = sim.count
        const logits = new Float32Array(count)
        for (let i = 0; i < count; i++) {
          const p = sim.positions[i]!
          logits[i] = (1 + layer) * 0.5 * rng.normal() + (p % heavyEvery === 0 ? 2 : 0) + (p < 2 ? 1.5 : 0)
        }
        const weights = softmax(logits, count)
        sim.attend(weights)
        policy.observe?.(layer, head, weights, count)
      })
    })
  }
  const planAll = (phase: CachePhase) => {
    heads.forEach((row, layer) => {
      row.forEach((sim, head) => {
        const view = sim.view({ layer, head, numLayers, numHeads, phase })
        const plan = policy.plan(view)
        sim.apply(plan)
        onEvent({ phase, layer, head, view, plan, sim })
      })
    })
  }
  for (let t = 0; t < prompt; t++) {
    appendToken(t)
    attendAll()
  }
  planAll('prefill')
  for (let s = 0; s < steps; s++) {
    appendToken(prompt + s)
    attendAll()
    planAll('decode')
  }
  return heads
}
