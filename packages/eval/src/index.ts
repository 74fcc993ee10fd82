/**
 * @kv/eval: the evaluation harness of the @kv toolkit and the `kv` command. Held-out text of the embedded
 * model's MODEL_CARD, every pipeline scored against the full cache on the same tokens (perplexity, KL,
 * top-1 agreement, recall over distance, memory, speed), captures of keys and queries. A Node tool: it
 * reads its text from npm packages on disk.
 */

export type { CapturedHeads } from './capture/capture-heads.js'
export { captureHeads } from './capture/capture-heads.js'
export { buildContext, buildPipeline, pipelinesFromSpecs } from './cli/context.js'
export type { HeldOutDocument } from './data/heldout.js'
export { heldOutDocuments, heldOutTokens } from './data/heldout.js'
export type {
  EvalProgress,
  EvalReport,
  EvalSettings,
  PipelineResult,
  PipelineUnderTest,
  Protocol,
} from './eval/evaluate.js'
export { evaluate } from './eval/evaluate.js'
export { savedAgainstFloat16, sizeAgainstFloat16 } from './eval/float16-wording.js'
export { klDivergence, logSoftmax, ScoreAccumulator } from './eval/metrics.js'
export type { RecallResult } from './eval/recall.js'
export { formatReport, reportChart } from './eval/report.js'
export type { WindowedResult } from './eval/windows.js'
export { windowedPerplexity } from './eval/windows.js'
export { KV_METHODS, loadMethodModules, methodRegistry } from './methods/installed.js'
