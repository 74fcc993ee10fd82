import { printRetrievalBench } from './print-table.js'
import { runRetrievalBench } from './run-retrieval-bench.js'
import { syntheticHeads } from './synthetic-data.js'

// Sizes can be reduced from the environment for a quick look: KEYS=20000 pnpm bench
const keyCount = Number(process.env.KEYS ?? 150_000)
const headDim = 64
const data = syntheticHeads({
  keyCount,
  queryCount: Number(process.env.QUERIES ?? 200),
  sampleQueryCount: Number(process.env.SAMPLES ?? 2000),
  headDim,
  keyClusters: Number(process.env.CLUSTERS ?? 64),
  queryShift: Number(process.env.SHIFT ?? 3),
  querySpread: Number(process.env.SPREAD ?? 0.5),
  queryScale: Number(process.env.QUERY_SCALE ?? 16),
  seed: 7,
})
const result = runRetrievalBench({
  ...data,
  headDim,
  ...(process.env.CELLS === undefined ? {} : { cells: Number(process.env.CELLS) }),
  ...(process.env.PER_QUERY === undefined ? {} : { perQuery: Number(process.env.PER_QUERY) }),
  ...(process.env.NO_HNSW === undefined ? {} : { hnsw: false as const }),
  log: (line) => console.error(line),
})
printRetrievalBench(result)
