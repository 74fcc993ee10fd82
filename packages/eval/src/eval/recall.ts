import type { CacheOptions, Model } from '@kv/runtime'
import type { EvalSettings } from './evaluate.js'
import { meanNll, runSequence } from './sequence.js'

/** Passage length of the recall test and the tokens at its start left out of its mean loss. */
export const PASSAGE_TOKENS = 128
export const PASSAGE_SKIP = 8

/** Recall over one filler length, averaged over passages. */
export interface RecallResult {
  readonly filler: number
  /** Mean loss of the passage the first time and the second time (nats per token). */
  readonly nllFirst: number
  readonly nllSecond: number
  /** (NLL₁ − NLL₂) with the method ÷ the same with the full cache; 1 keeps everything, 0 forgot. */
  readonly recall: number
}

/** Where passage p and its filler come from in the held-out stream (fixed, far apart). */
function passageOffsets(
  stream: Int32Array,
  passage: number,
  filler: number,
): { passage: number; filler: number } {
  const span = Math.floor(stream.length / 8)
  const at = (span * (1 + passage)) % (stream.length - PASSAGE_TOKENS - 1)
  let fillerAt = (at + span * 4) % stream.length
  if (fillerAt + filler > stream.length) fillerAt = 0
  return { passage: at, filler: fillerAt }
}

/** Tokens the recall test runs through one cache: each filler's sequences, every passage. */
export function recallTokens(settings: Pick<EvalSettings, 'fillers' | 'passages'>): number {
  let total = 0
  for (const filler of settings.fillers) total += settings.passages * (2 * PASSAGE_TOKENS + filler)
  return total
}

/**
 * Recall over distance (DESIGN.md section 5): a held-out passage, `filler` tokens of other held-out
 * text, then the passage again. Streaming protocol: every token decoded through the cache; prefill
 * protocol: the passage and filler prefilled and compressed, then the repeat decoded.
 */
export async function recallOverDistance(
  model: Model,
  options: CacheOptions,
  stream: Int32Array,
  settings: EvalSettings,
  full: RecallResult[] | undefined,
  onProgress?: (done: number, total: number) => void,
): Promise<RecallResult[]> {
  const vocab = model.config.vocabSize
  const results: RecallResult[] = []
  const total = recallTokens(settings)
  let before = 0
  for (const [f, filler] of settings.fillers.entries()) {
    let first = 0
    let second = 0
    for (let p = 0; p < settings.passages; p++) {
      const offsets = passageOffsets(stream, p, filler)
      const passage = stream.subarray(offsets.passage, offsets.passage + PASSAGE_TOKENS)
      const sequence = new Int32Array(1 + 2 * PASSAGE_TOKENS + filler)
      sequence.set(passage, 1)
      sequence.set(stream.subarray(offsets.filler, offsets.filler + filler), 1 + PASSAGE_TOKENS)
      sequence.set(passage, 1 + PASSAGE_TOKENS + filler)
      const input = sequence.subarray(0, sequence.length - 1)
      const targets = sequence.subarray(1)
      const prefillTokens = settings.protocol === 'prefill' ? 1 + PASSAGE_TOKENS + filler : 0
      const run = await runSequence(model, options, input, {
        prefillTokens,
        scoreFrom: 0,
        onProgress: (done) => onProgress?.(before + done, total),
      })
      before += input.length
      const secondStart = PASSAGE_TOKENS + filler
      first += meanNll(run.logProbs, vocab, targets, PASSAGE_SKIP, PASSAGE_TOKENS)
      second += meanNll(
        run.logProbs,
        vocab,
        targets,
        secondStart + PASSAGE_SKIP,
        secondStart + PASSAGE_TOKENS,
      )
    }
    const nllFirst = first / settings.passages
    const nllSecond = second / settings.passages
    const reference = full?.[f]
    const recall = reference ? (nllFirst - nllSecond) / (reference.nllFirst - reference.nllSecond) : 1
    results.push({ filler, nllFirst, nllSecond, recall })
  }
  return results
}
