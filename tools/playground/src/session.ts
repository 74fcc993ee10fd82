import type { CacheOptions, CacheStats, KVCache, MethodRegistry } from '@kv/cache'
import { type Model, TextStream } from '@kv/runtime'
import type { WebGpuAccelerator } from '@kv/runtime/webgpu'
import { gpuPlan } from './gpu-plan.js'
import { argmax, type ScoredToken, scoreToken } from './metrics.js'

export type Device = 'cpu' | 'webgpu'

/** One cache being decoded: what it produced so far and how fast. */
export interface Side {
  readonly label: 'full' | 'composed'
  readonly cache: KVCache
  readonly accelerator: WebGpuAccelerator | undefined
  readonly tokens: number[]
  text: string
  /** Milliseconds spent in this side's `step` calls (decode only), and how many there were. */
  decodeMs: number
  steps: number
  /** Milliseconds of this side's prompt (prefill). */
  prefillMs: number
  logits: Float32Array
}

/** The two caches of a run: the full cache and the composed one, on the same device. */
export interface SidePair {
  readonly full: Side
  readonly composed: Side
  readonly device: Device
  dispose(): void
}

function side(label: Side['label'], cache: KVCache, accelerator: WebGpuAccelerator | undefined): Side {
  return {
    label,
    cache,
    accelerator,
    tokens: [],
    text: '',
    decodeMs: 0,
    steps: 0,
    prefillMs: 0,
    logits: new Float32Array(0),
  }
}

/**
 * Builds the two caches. CPU: the full cache and the composed spec's options. WebGPU: an `f16`
 * accelerator for the full cache and the accelerator kind the spec maps to (`gpuPlan`) for the other.
 * Throws the composition error (the registry's or the cache's) for an impossible pipeline.
 */
export async function createSides(
  model: Model,
  registry: MethodRegistry,
  spec: string,
  device: Device,
  headScores: unknown,
  maxTokens: number,
): Promise<SidePair> {
  const context = {
    numLayers: model.config.numLayers,
    numKVHeads: model.config.numKVHeads,
    maxPositions: model.config.maxPositions,
    headScores,
  }
  if (device === 'cpu') {
    const options: CacheOptions = registry.build(spec, context)
    return {
      device,
      full: side('full', model.createCache({}), undefined),
      composed: side('composed', model.createCache(options), undefined),
      dispose() {},
    }
  }
  const plan = gpuPlan(registry.parse(spec))
  if (!plan.ok) throw new Error(plan.error)
  const gpu = await import('./gpu-backend.js')
  const fullAccelerator = await gpu.createAccelerator(model.config, 'f16', 32, maxTokens)
  const composedAccelerator = await gpu.createAccelerator(model.config, plan.kind, plan.groupSize, maxTokens)
  return {
    device,
    full: side('full', model.createCache({ accelerator: fullAccelerator }), fullAccelerator),
    composed: side('composed', model.createCache({ accelerator: composedAccelerator }), composedAccelerator),
    dispose() {
      fullAccelerator.dispose()
      composedAccelerator.dispose()
    },
  }
}

/** Tokens per second of a side's decode steps (each step takes one token through the model). */
export function tokensPerSecond(s: Side): number {
  return s.decodeMs === 0 ? 0 : s.steps / (s.decodeMs / 1000)
}

/** What the page reports of a side (and the CI test reads). */
export interface SideReport {
  readonly tokens: number[]
  readonly text: string
  readonly logits: number[]
  readonly stats: CacheStats
  readonly deviceBytes?: number
  readonly tokensPerSecond: number
  readonly acceleratorLost?: string
}

export function report(s: Side): SideReport {
  return {
    tokens: [...s.tokens],
    text: s.text,
    logits: Array.from(s.logits),
    stats: s.cache.stats(),
    ...(s.accelerator ? { deviceBytes: s.accelerator.deviceBytes() } : {}),
    tokensPerSecond: tokensPerSecond(s),
    ...(s.cache.acceleratorLost ? { acceleratorLost: s.cache.acceleratorLost } : {}),
  }
}

/** Hooks the page gives the decode loop. */
export interface GenerateHooks {
  /** After every token of either side, and once at the end with the text its stream held back. */
  onToken(s: Side, piece: string): void
  /** Resolves when the loop may go on (pause, or a frame for the page to paint). */
  yieldToPage(): Promise<void>
  readonly stopped: () => boolean
}

/**
 * Greedy decoding of `steps` tokens from BOS + the prompt into both caches, the same loop as the Node
 * reference (pick the argmax, step with it; after the last token one more step stores it): the composed
 * cache prefills and shows its first token first, then the full cache; then both go on token by token,
 * interleaved, so that they stream together.
 */
export async function generate(
  model: Model,
  pair: SidePair,
  prompt: string,
  steps: number,
  hooks: GenerateHooks,
): Promise<void> {
  const tokenizer = model.tokenizer
  if (!tokenizer) throw new Error('generate: the model has no tokenizer')
  const ids = [model.config.bosTokenId, ...tokenizer.encode(prompt)]
  const sides = [pair.composed, pair.full]
  const streams = new Map(sides.map((s) => [s, new TextStream(tokenizer)]))
  const emit = (s: Side) => {
    const token = argmax(s.logits)
    s.tokens.push(token)
    const piece = streams.get(s)!.push(token)
    s.text += piece
    hooks.onToken(s, piece)
  }
  for (const s of sides) {
    const start = performance.now()
    s.logits = await model.prefill(ids, s.cache, { lastOnly: true })
    s.prefillMs = performance.now() - start
    emit(s)
    await hooks.yieldToPage()
  }
  for (let i = 1; i <= steps && !hooks.stopped(); i++) {
    for (const s of sides) {
      const start = performance.now()
      s.logits = await model.step(s.tokens[s.tokens.length - 1]!, s.cache)
      s.decodeMs += performance.now() - start
      s.steps++
      if (i < steps) emit(s)
    }
    await hooks.yieldToPage()
  }
  // the text each stream held back (a further token could still have changed it)
  for (const s of sides) {
    const rest = streams.get(s)!.flush()
    s.text += rest
    if (rest !== '') hooks.onToken(s, rest)
  }
}

/**
 * Teacher-forced scoring of held-out tokens: both caches take `context` as their prompt, then every
 * following token in turn; each position is scored (true token's likelihood, KL, top-1) before the
 * true token is fed.
 */
export async function scoreHeldOut(
  model: Model,
  pair: SidePair,
  context: Int32Array,
  targets: Int32Array,
  onScored: (scored: ScoredToken[]) => void,
  yieldToPage: () => Promise<void>,
): Promise<ScoredToken[]> {
  let full = await model.prefill(context, pair.full.cache, { lastOnly: true })
  let composed = await model.prefill(context, pair.composed.cache, { lastOnly: true })
  const scored: ScoredToken[] = []
  for (let i = 0; i < targets.length; i++) {
    scored.push(scoreToken(full, composed, targets[i]!))
    if (i + 1 < targets.length) {
      full = await model.step(targets[i]!, pair.full.cache)
      composed = await model.step(targets[i]!, pair.composed.cache)
    }
    if (i % 8 === 7 || i + 1 === targets.length) {
      onScored(scored)
      await yieldToPage()
    }
  }
  return scored
}
