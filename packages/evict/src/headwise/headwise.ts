import type { KVPolicy, SlotPlan, SlotView } from '@kv/tensor/contracts'
import { parseHeadScores } from '../retrieval-heads/artefact.js'
import type { HeadScores } from '../retrieval-heads/head-scores.js'
import { selectRetrievalHeads } from '../retrieval-heads/select-heads.js'
import { checkInRange, checkInteger, checkKnownKeys, describe } from '../shared/validate.js'
import { planStreamingLLM } from '../streaming-llm/streaming-llm.js'
import { planRazorHead } from './razor.js'

/** Options of {@link headwise}. */
export interface HeadwiseOptions {
  /**
   * `[layer][kvHead]` flags (true = retrieval head, keeps everything), or scores to select them from (a
   * `HeadScores` object or the JSON artefact text from `saveHeadScores`).
   */
  readonly retrievalHeads: boolean[][] | HeadScores | string
  /** `razor` (RazorAttention, compensation token) or `duo` (DuoAttention, sinks + recent). Default `razor`. */
  readonly mode?: 'razor' | 'duo'
  /** Share of KV heads chosen as retrieval heads from scores. Default 0.15 (razor), 0.5 (duo, GQA; use 0.25 for MHA). */
  readonly fraction?: number
  /** Sink tokens kept by non-retrieval heads. Default 4 (razor), 64 (duo). */
  readonly sinks?: number
  /** Recent tokens kept by non-retrieval heads (razor: the minimum buffer S0). Default 4000 (razor), 256 (duo). */
  readonly recent?: number
  /** Razor only: buffer share of the sequence length, 1/C. Default 0.2 (C = 5). */
  readonly ratio?: number
}

/** Parameters of the `razor` method spec: the scalar options of {@link headwise}, and where the scores come from. */
export interface RazorParams extends Pick<HeadwiseOptions, 'fraction' | 'sinks' | 'recent' | 'ratio'> {
  /** A JSON file of retrieval-head scores (`saveHeadScores`, `kv heads`); default: the scores the model ships. */
  readonly heads?: string
}

/** Parameters of the `duo` method spec: those of `razor` but `ratio`, which DuoAttention has not. */
export type DuoParams = Omit<RazorParams, 'ratio'>

function checkFlags(flags: unknown): boolean[][] {
  if (!Array.isArray(flags) || flags.length === 0) {
    throw new TypeError(`headwise: retrievalHeads must be boolean[][] or HeadScores, got ${describe(flags)}`)
  }
  const width = Array.isArray(flags[0]) ? flags[0].length : -1
  flags.forEach((row: unknown, l) => {
    if (!Array.isArray(row) || row.length !== width || width === 0) {
      throw new TypeError(
        `headwise: retrievalHeads[${l}] must be a boolean array of length ${width}, got ${describe(row)}`,
      )
    }
    row.forEach((x: unknown, h) => {
      if (typeof x !== 'boolean')
        throw new TypeError(`headwise: retrievalHeads[${l}][${h}] must be a boolean, got ${describe(x)}`)
    })
  })
  return flags as boolean[][]
}

/**
 * Head-wise eviction. Retrieval heads keep every token. The other heads keep `sinks` + recent tokens:
 * in `razor` mode the recent buffer is `max(recent, ratio × N)` and the dropped tokens are merged into one
 * compensation slot (`massBias` on); in `duo` mode the buffer is `recent` and dropped tokens are evicted.
 * Positions are original.
 *
 * @example
 * const policy = headwise({ retrievalHeads: parseHeadScores(json), mode: 'duo' }) // 50% retrieval, 64 + 256
 * const razor = headwise({ retrievalHeads: flags, mode: 'razor', sinks: 4, recent: 128, ratio: 0.2 })
 */
export function headwise(options: HeadwiseOptions): KVPolicy & { readonly retrieval: boolean[][] } {
  checkKnownKeys('headwise', options, ['retrievalHeads', 'mode', 'fraction', 'sinks', 'recent', 'ratio'])
  const mode = options.mode ?? 'razor'
  if (mode !== 'razor' && mode !== 'duo')
    throw new RangeError(`headwise: mode must be 'razor' or 'duo', got ${String(mode)}`)
  const razor = mode === 'razor'
  const sinks = checkInteger('headwise', 'sinks', options.sinks ?? (razor ? 4 : 64), 0)
  const recent = checkInteger('headwise', 'recent', options.recent ?? (razor ? 4000 : 256), razor ? 0 : 1)
  const ratio = checkInRange('headwise', 'ratio', options.ratio ?? (razor ? 0.2 : 0), 0, 1)
  if (!razor && options.ratio !== undefined)
    throw new RangeError('headwise: ratio applies to mode razor only')
  if (razor && recent === 0 && ratio === 0)
    throw new RangeError('headwise: razor needs recent > 0 or ratio > 0')
  const fraction = checkInRange('headwise', 'fraction', options.fraction ?? (razor ? 0.15 : 0.5), 0, 1)
  const source = options.retrievalHeads
  const retrieval = Array.isArray(source)
    ? checkFlags(source)
    : typeof source === 'string' || (typeof source === 'object' && source !== null)
      ? selectRetrievalHeads(parseHeadScores(source), fraction)
      : checkFlags(source)
  const numLayers = retrieval.length
  const numHeads = retrieval[0]!.length
  let shapeChecked = false
  const duoBudget = { sinks, window: recent }
  const razorBudget = { sinks, recent, ratio }
  return {
    name: `headwise(${mode}, sinks=${sinks}, recent=${recent}${razor ? `, ratio=${ratio}` : ''})`,
    needsAttention: false,
    ...(razor ? { adjustLogits: massBias } : {}),
    retrieval,
    plan(view: SlotView): SlotPlan | null {
      if (!shapeChecked) {
        if (view.numLayers !== numLayers || view.numHeads !== numHeads) {
          throw new RangeError(
            `headwise: retrievalHeads is ${numLayers} layers × ${numHeads} KV heads, the cache has ${view.numLayers} × ${view.numHeads}`,
          )
        }
        shapeChecked = true
      }
      if (retrieval[view.layer]![view.head]) return null
      return razor ? planRazorHead(view, razorBudget) : planStreamingLLM(view, duoBudget)
    },
  }
}

/**
 * Razor's compensation token counts for every token it absorbed: `log(mass)` is added to the logit of a
 * slot that stands for more than one token.
 */
export function massBias(
  _layer: number,
  _head: number,
  mass: Float32Array,
  count: number,
  logits: Float32Array,
  offset: number,
): void {
  for (let i = 0; i < count; i++) if (mass[i] !== 1) logits[offset + i]! += Math.log(mass[i]!)
}
