/** Ready-made pipelines of the composer, one click each: label and spec. */
export const PRESETS: readonly (readonly [string, string])[] = [
  ['StreamingLLM + KIVI-4', 'streaming:sinks=4,window=252+kivi:bits=4'],
  ['H2O + KIVI-2', 'h2o:heavy=0.1,recent=0.1+kivi:bits=2,residual=32'],
  ['MiKV 8/3-bit', 'mikv'],
  ['GEAR-4', 'gear:bits=4'],
  ['Razor heads + KIVI-4', 'razor+kivi:bits=4'],
  ['MiniCache', 'minicache'],
  ['RetrievalAttention', 'retrieval:window=124,topK=64'],
  ['SkipDecode + fp16', 'skipdecode:speedup=2+fp16'],
  ['full', 'full'],
]
