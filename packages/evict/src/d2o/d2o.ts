import { StateReader } from '@kv/tensor'
import type { KVPolicy, SlotPlan, SlotView } from '@kv/tensor/contracts'
import { PlanScratch } from '../shared/select.js'
import { checkInRange, checkInteger, checkKnownKeys } from '../shared/validate.js'
import { d2oLayerRatios, PrefillAttention } from './layer-budgets.js'
import { planD2O } from './merge-plan.js'

/** Options of {@link d2o}. */
/**
 * Streaming from an empty cache (no prompt): the layer budgets are fixed from the attention of the first
 * this-many tokens (summed over their decode steps, as a prompt's column sums), and budgets then follow
 * the sequence length.
 */
export const STREAMING_WARMUP = 64

export interface D2OOptions {
  /** Heavy-hitter share of the prompt, in [0, 1]. Default 0.1. */
  readonly heavy?: number
  /** Recent share of the prompt, in [0, 1]. Default 0.1. */
  readonly recent?: number
  /** Heavy hitters per layer on average, in tokens (turned into a share of the prompt at the first plan). */
  readonly heavyTokens?: number
  /** Recent tokens per layer on average, in tokens. */
  readonly recentTokens?: number
  /** Weight of the previous threshold in the EMA. Default 0.5. */
  readonly alpha?: number
  /** Weight of this step's mean best similarity in the EMA. Default 0.5. */
  readonly beta?: number
  /** Layers never compressed; negative counts from the end. Default [0, 1, -1]. */
  readonly protectLayers?: readonly number[]
  /** First tokens always kept (the reference protects 4). Default 4. */
  readonly sinks?: number
}

/** Parameters of the `d2o` method spec: the scalar options of {@link d2o} (`protectLayers` keeps its default). */
export type D2OParams = Omit<D2OOptions, 'protectLayers'>

/** D2O with its layer ratios exposed once fixed (after the first plan). */
export interface D2OPolicy extends KVPolicy {
  /** Per-layer share of the prompt kept (1 for protected layers); null until the first plan. */
  layerRatios(): Float64Array | null
}

/**
 * D2O, Dynamic Discriminative Operations (Wan et al., 2024). Layer level: the prefill attention seen through
 * `observe` gives each layer a variance score and a budget `clamp(softmax(−score) × L × ρ, 0.01, 1)` of the
 * prompt (split heavy : recent), fixed at the first plan; layers 0, 1 and the last are not compressed.
 * Token level: H2O selection inside that budget, and evicted keys merged into their cosine-nearest kept
 * key when the similarity clears an EMA threshold (see {@link planD2O}).
 *
 * @example
 * const policy = d2o({ heavy: 0.1, recent: 0.1, alpha: 0.5, beta: 0.5 })
 * // runtime: observe(layer, head, weights, count) during the prompt, then plan(view) per layer and head
 */
export function d2o(options: D2OOptions = {}): D2OPolicy {
  checkKnownKeys('d2o', options, [
    'heavy',
    'recent',
    'heavyTokens',
    'recentTokens',
    'alpha',
    'beta',
    'protectLayers',
    'sinks',
  ])
  const heavy = checkInRange('d2o', 'heavy', options.heavy ?? 0.1, 0, 1)
  const recent = checkInRange('d2o', 'recent', options.recent ?? 0.1, 0, 1)
  const heavyTokens =
    options.heavyTokens === undefined ? undefined : checkInteger('d2o', 'heavyTokens', options.heavyTokens, 0)
  const recentTokens =
    options.recentTokens === undefined
      ? undefined
      : checkInteger('d2o', 'recentTokens', options.recentTokens, 0)
  const alpha = checkInRange('d2o', 'alpha', options.alpha ?? 0.5, 0, 1)
  const beta = checkInRange('d2o', 'beta', options.beta ?? 0.5, 0, 1)
  const sinks = checkInteger('d2o', 'sinks', options.sinks ?? 4, 0)
  const protect = options.protectLayers ?? [0, 1, -1]
  if (!Array.isArray(protect)) throw new TypeError('d2o: protectLayers must be an array of layer indices')
  for (const [i, l] of protect.entries()) checkInteger('d2o', `protectLayers[${i}]`, Math.abs(l), 0)
  if (heavyTokens === undefined && recentTokens === undefined && heavy + recent === 0) {
    throw new RangeError('d2o: heavy + recent must be > 0, got 0')
  }

  const prefill = new PrefillAttention()
  const scratch = new PlanScratch()
  let ratios: Float64Array | null = null
  let protectedLayer: Uint8Array = new Uint8Array(0)
  let heavyShare = 0
  let recentShare = 0
  let promptLength = 0
  let thresholds: Float64Array = new Float64Array(0)
  let numHeads = 0
  let streaming = false
  let layerScores: Float64Array | undefined

  const isProtected = (layer: number, numLayers: number) =>
    protect.some((p) => (p < 0 ? numLayers + p : p) === layer)

  /** Shares of the length the budgets are counted in, and the layer ratios they give. */
  function setShares(): void {
    heavyShare = heavyTokens === undefined ? heavy : heavyTokens / promptLength
    recentShare = recentTokens === undefined ? recent : recentTokens / promptLength
    ratios = d2oLayerRatios(layerScores!, { rho: heavyShare + recentShare, protect }).ratios
  }

  function fixBudgets(view: SlotView): void {
    layerScores = prefill.layerScores(view)
    setShares()
    protectedLayer = new Uint8Array(view.numLayers)
    for (const p of protect) {
      const l = p < 0 ? view.numLayers + p : p
      if (l >= 0 && l < view.numLayers) protectedLayer[l] = 1
    }
    numHeads = view.numHeads
    thresholds = new Float64Array(view.numLayers * view.numHeads).fill(Number.NaN)
    prefill.clear()
  }

  return {
    name: `d2o(heavy=${heavyTokens ?? heavy}, recent=${recentTokens ?? recent}, alpha=${alpha}, beta=${beta})`,
    needsAttention: true,
    observe(layer, head, weights, count) {
      // Decode steps from an empty cache add up to the same column sums a prompt gives.
      if (ratios === null) prefill.add(layer, head, weights, count)
    },
    plan(view: SlotView): SlotPlan | null {
      if (ratios === null) {
        if (promptLength === 0) {
          promptLength = view.position + 1
          streaming = view.phase === 'decode'
        }
        if (isProtected(view.layer, view.numLayers)) return null
        // A runtime that plans layer by layer during the prompt has not observed the deeper layers yet:
        // defer until it has (at the latest, the first decode step).
        if (view.phase === 'prefill' && !prefill.complete(view)) return null
        // Streaming from an empty cache: the layer statistics come from the first decode steps.
        if (streaming && (view.position + 1 < STREAMING_WARMUP || !prefill.complete(view))) return null
        fixBudgets(view)
      }
      // Streaming, budgets are a share of the sequence so far (there is no prompt to fix them): token
      // budgets become a shrinking share, and the layer ratios follow it.
      if (streaming && promptLength !== view.position + 1) {
        promptLength = view.position + 1
        setShares()
      }
      if (protectedLayer[view.layer] === 1) return null
      const ratio = ratios![view.layer]!
      const rho = heavyShare + recentShare
      const scale = rho > 0 ? (promptLength * ratio) / rho : 0
      const budget = {
        sinks,
        heavy: Math.max(0, Math.floor(scale * heavyShare) - sinks),
        recent: Math.floor(scale * recentShare),
      }
      const slot = view.layer * numHeads + view.head
      const previous = thresholds[slot]!
      const step = planD2O(
        view,
        budget,
        { alpha, beta, value: Number.isNaN(previous) ? null : previous },
        scratch,
      )
      if (step.threshold !== null) thresholds[slot] = step.threshold
      return step.plan
    },
    layerRatios: () => ratios,
    reset() {
      ratios = null
      promptLength = 0
      streaming = false
      prefill.clear()
    },
    saveState: () => ({
      ratios: ratios?.slice() ?? null,
      protectedLayer: protectedLayer.slice(),
      heavyShare,
      recentShare,
      promptLength,
      thresholds: thresholds.slice(),
      numHeads,
      streaming,
      layerScores: layerScores?.slice() ?? null,
      prefill: prefill.saveState(),
    }),
    loadState(state) {
      const read = new StateReader('d2o', state)
      ratios = read.arrayOrNull('ratios', Float64Array)
      protectedLayer = read.array('protectedLayer', Uint8Array)
      heavyShare = read.number('heavyShare')
      recentShare = read.number('recentShare')
      promptLength = read.number('promptLength', { integer: true, min: 0 })
      thresholds = read.array('thresholds', Float64Array)
      numHeads = read.number('numHeads', { integer: true, min: 0 })
      streaming = read.boolean('streaming')
      layerScores = read.arrayOrNull('layerScores', Float64Array) ?? undefined
      prefill.loadState(read.raw('prefill'))
    },
  }
}
