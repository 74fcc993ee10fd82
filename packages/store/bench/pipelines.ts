/** The pipelines issue 16 asks bytes per token for, by the name the benchmarks print. */
export const STORED_PIPELINES: Readonly<Record<string, string>> = {
  full: 'full',
  'KIVI-4': 'kivi:bits=4',
  'KIVI-2': 'kivi:bits=2',
  'GEAR-4': 'gear:bits=4',
  StreamingLLM: 'streaming:sinks=4,window=252',
}
