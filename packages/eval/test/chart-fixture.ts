import type { EvalReport, PipelineResult } from '../src/eval/evaluate.js'

/** A result with the fields the chart reads; memory from a float16 size and a compression factor. */
export function fakeResult(label: string, memoryRatio: number, perplexityRatio: number): PipelineResult {
  const float16Bytes = 1 << 20
  const physicalBytes = Math.round(float16Bytes / memoryRatio)
  return {
    label,
    spec: label,
    perplexity: 30 * perplexityRatio,
    perplexityRatio,
    kl: 0.01,
    top1: 0.9,
    recall: [],
    memory: {
      tokens: [],
      totalTokens: 1024,
      logicalBytes: physicalBytes,
      physicalBytes,
      sequenceLength: 1024,
      float16Bytes,
      ratio: float16Bytes / physicalBytes,
    },
    tokensPerSecond: 100,
    speedRatio: 0.9,
  }
}

export function fakeReport(results: PipelineResult[]): EvalReport {
  return {
    model: 'kvtiny-7m',
    protocol: 'streaming',
    scoredTokens: 1024,
    reference: { label: 'full', perplexity: 30, tokensPerSecond: 110 },
    results,
  }
}

/** Ten pipelines as a real comparison gives them: a cluster near 1, close neighbours, one far outlier. */
export const TEN_PIPELINES = fakeReport([
  fakeResult('kivi:bits=4', 3.52, 1.0021),
  fakeResult('kivi:bits=2', 6.1, 1.0415),
  fakeResult('gear:bits=4', 3.4, 1.0012),
  fakeResult('streaming:sinks=4,window=252', 4.0, 1.0303),
  fakeResult('h2o:heavy=0.1,recent=0.1', 4.9, 3.84),
  fakeResult('swa', 3.9, 1.028),
  fakeResult('minicache', 1.33, 1.0093),
  fakeResult('kivi:bits=8', 1.9, 1.0001),
  fakeResult('streaming:sinks=4,window=252+kivi:bits=4,groupSize=32,residual=32', 13.8, 1.0356),
  fakeResult('full-f32', 0.5, 1),
])

/** Ten pipelines in one crowded corner (close memory factors and perplexities), two of them identical. */
export const TEN_CROWDED = fakeReport(
  Array.from({ length: 10 }, (_, i) =>
    fakeResult(
      `kivi:bits=4,groupSize=${16 * (i + 1)}`,
      3.5 + (i % 5) * 0.02,
      1.002 + (i % 4) * 0.0004 + (i === 9 ? -0.0012 : 0),
    ),
  ).concat([]),
)
