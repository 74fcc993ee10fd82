import hnswlib from 'hnswlib-node'
import { exactTopK } from '../src/exact/exact-top-k.js'
import { QueryAwareIvfIndex } from '../src/ivf/query-aware-ivf.js'
import { attentionMass, logSumExp, recallAt } from './bench-metrics.js'

/** Keys and queries of one head (row-major `[*, headDim]`), as captured from a model or synthesised. */
export interface RetrievalBenchInput {
  readonly keys: Float32Array
  /** Held-out queries the methods are measured on. */
  readonly queries: Float32Array
  /** Queries the attention-aware index is built with (never the measured ones). */
  readonly sampleQueries: Float32Array
  readonly headDim: number
  /** Top-k measured. Default 100. */
  readonly k?: number
  /** Recall the summary looks for. Default 0.9. */
  readonly targetRecall?: number
  /** IVF cells (query-aware and key-only alike). Default: the index's own default. */
  readonly cells?: number
  /** Top keys per sample query joining its cell. Default 128. */
  readonly perQuery?: number
  /** HNSW settings; `false` skips it. */
  readonly hnsw?: { readonly m?: number; readonly efConstruction?: number; readonly efs?: number[] } | false
  readonly log?: (line: string) => void
}

/** One method at one setting, averaged over the measured queries. */
export interface RetrievalBenchRow {
  readonly method: string
  readonly setting: string
  /** |found ∩ true top-k| / k. */
  readonly recall: number
  /** Share of the softmax mass (scale 1/√headDim, over all keys) held by the keys found; the exact scan's
   * row is the ceiling for k keys. */
  readonly mass: number
  /** Keys scored ÷ keys held (NaN where the library does not say). */
  readonly scannedFraction: number
  readonly msPerQuery: number
  /** Exact scan time (timed just before this method's sweep) ÷ this time. */
  readonly speedup: number
}

export interface RetrievalBenchResult {
  readonly keyCount: number
  readonly queryCount: number
  /** The exact scan's time, measured at the start and again before each method's sweep. */
  readonly exactMsPerQuery: number[]
  readonly rows: RetrievalBenchRow[]
  /** Build time (ms) and bytes of each index. */
  readonly builds: {
    readonly method: string
    readonly ms: number
    readonly bytes: number
    readonly note: string
  }[]
  /** Per method, the cheapest setting reaching `targetRecall` (null: never reached). */
  readonly atTarget: Record<string, RetrievalBenchRow | null>
}

const NPROBES = [1, 2, 3, 4, 5, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512]
const EFS = [100, 150, 200, 300, 400, 600, 800, 1200, 1600, 2400, 3200, 4800, 6400]

/**
 * Measures the query-aware IVF, the same IVF with cells learned from keys, and hnswlib's HNSW (space 'ip',
 * built on the keys alone) against the exact scan, on the same keys and queries in the same run.
 *
 * @example
 * const result = await runRetrievalBench({ keys, queries, sampleQueries, headDim: 64 })
 * console.table(result.rows)
 */
export function runRetrievalBench(input: RetrievalBenchInput): RetrievalBenchResult {
  const { keys, queries, sampleQueries, headDim: d, k = 100, targetRecall = 0.9, perQuery = 128 } = input
  const log = input.log ?? (() => {})
  const n = keys.length / d
  const qn = queries.length / d
  const sn = sampleQueries.length / d
  if (!Number.isInteger(n) || !Number.isInteger(qn) || !Number.isInteger(sn) || n < k || qn < 1 || sn < 1) {
    throw new RangeError(`runRetrievalBench: need whole rows of ${d} and at least ${k} keys, got ${n} keys`)
  }
  const ids = new Int32Array(n)
  for (let i = 0; i < n; i++) ids[i] = i
  const query = (q: number) => queries.subarray(q * d, q * d + d)
  // Ground truth, then the exact scan's time. The machine may be shared, so the exact scan is timed again
  // right before each method's sweep and each speed-up is against the nearest baseline.
  const truth: Int32Array[] = []
  for (let q = 0; q < qn; q++) truth.push(exactTopK(keys, n, d, query(q), k).ids)
  const timeExact = () => {
    const t0 = performance.now()
    const probes = Math.min(qn, 50)
    for (let q = 0; q < probes; q++) exactTopK(keys, n, d, query(q), k)
    return (performance.now() - t0) / probes
  }
  let exactMs = timeExact()
  const exactTimes = [exactMs]
  log(`exact scan: ${exactMs.toFixed(2)} ms/query over ${n} keys`)
  const scale = 1 / Math.sqrt(d)
  const lse = Array.from({ length: qn }, (_, q) => logSumExp(keys, n, d, query(q), scale))
  const rows: RetrievalBenchRow[] = []
  const builds: RetrievalBenchResult['builds'] = []
  const record = (method: string, setting: string, found: Int32Array[], scanned: number, ms: number) => {
    let recall = 0
    let mass = 0
    for (let q = 0; q < qn; q++) {
      recall += recallAt(found[q]!, truth[q]!, k)
      mass += attentionMass(keys, d, query(q), found[q]!, scale, lse[q]!)
    }
    const row = {
      method,
      setting,
      recall: recall / qn,
      mass: mass / qn,
      scannedFraction: scanned / (qn * n),
      msPerQuery: ms,
      speedup: exactMs / ms,
    }
    rows.push(row)
    return row
  }
  record('exact scan', `top-${k}`, truth, qn * n, exactMs)
  const ivfs: [string, Float32Array, number, string][] = [
    [
      'query-aware IVF',
      sampleQueries,
      perQuery,
      `cells from ${sn} sample queries, top-${perQuery} per query`,
    ],
    [
      'query-clustered IVF, no top-k links',
      sampleQueries,
      0,
      'ablation: cells from queries, keys by centroid',
    ],
    ['key-only IVF', everyNth(keys, n, d, sn), 0, `cells from ${sn} keys, keys by centroid`],
  ]
  let start = performance.now()
  for (const [method, sample, links, note] of ivfs) {
    const index = new QueryAwareIvfIndex(d, {
      perQuery: links,
      ...(input.cells === undefined ? {} : { cells: input.cells }),
    })
    start = performance.now()
    index.build(keys, ids, n, sample, sample.length / d)
    builds.push({ method, ms: performance.now() - start, bytes: index.bytes(), note })
    log(`${method}: built in ${(performance.now() - start).toFixed(0)} ms, ${index.cells} cells, ${note}`)
    exactMs = timeExact()
    exactTimes.push(exactMs)
    for (const nprobe of NPROBES) {
      if (nprobe > index.cells) break
      const found: Int32Array[] = []
      let scanned = 0
      start = performance.now()
      for (let q = 0; q < qn; q++) {
        const r = index.searchProbing(query(q), k, nprobe)
        found.push(r.ids)
        scanned += r.scanned
      }
      const row = record(method, `nprobe ${nprobe}`, found, scanned, (performance.now() - start) / qn)
      if (row.recall >= 0.995) break
    }
  }
  if (input.hnsw !== false) {
    benchHnsw(input, keys, n, d, k, qn, query, builds, record, log, () => {
      exactMs = timeExact()
      exactTimes.push(exactMs)
    })
  }
  const atTarget: Record<string, RetrievalBenchRow | null> = {}
  for (const row of rows) {
    if (!(row.method in atTarget)) atTarget[row.method] = null
    if (atTarget[row.method] === null && row.recall >= targetRecall) atTarget[row.method] = row
  }
  return { keyCount: n, queryCount: qn, exactMsPerQuery: exactTimes, rows, builds, atTarget }
}

function benchHnsw(
  input: RetrievalBenchInput,
  keys: Float32Array,
  n: number,
  d: number,
  k: number,
  qn: number,
  query: (q: number) => Float32Array,
  builds: RetrievalBenchResult['builds'],
  record: (
    method: string,
    setting: string,
    found: Int32Array[],
    scanned: number,
    ms: number,
  ) => RetrievalBenchRow,
  log: (line: string) => void,
  retimeExact: () => void,
): void {
  const options = input.hnsw === false ? {} : (input.hnsw ?? {})
  const m = options.m ?? 16
  const efConstruction = options.efConstruction ?? 100
  const method = 'HNSW (hnswlib, ip, keys only)'
  const index = new hnswlib.HierarchicalNSW('ip', d)
  let start = performance.now()
  index.initIndex(n, m, efConstruction, 100)
  for (let i = 0; i < n; i++) index.addPoint(Array.from(keys.subarray(i * d, i * d + d)), i)
  // hnswlib does not report its memory; links ≈ 2·M ids per node on layer 0 plus the vectors.
  const bytes = n * (d * 4 + 2 * m * 4 + 8)
  builds.push({
    method,
    ms: performance.now() - start,
    bytes,
    note: `M ${m}, efConstruction ${efConstruction}`,
  })
  log(`${method}: built in ${(performance.now() - start).toFixed(0)} ms`)
  retimeExact()
  const plain = Array.from({ length: qn }, (_, q) => Array.from(query(q)))
  for (const ef of options.efs ?? EFS) {
    index.setEf(Math.max(ef, k))
    const found: Int32Array[] = []
    start = performance.now()
    for (let q = 0; q < qn; q++) found.push(Int32Array.from(index.searchKnn(plain[q]!, k).neighbors))
    const row = record(method, `ef ${ef}`, found, Number.NaN, (performance.now() - start) / qn)
    if (row.recall >= 0.995) break
  }
}

/** `count` keys spread evenly over the `n` keys: the key-only IVF's training sample. */
function everyNth(keys: Float32Array, n: number, d: number, count: number): Float32Array {
  const out = new Float32Array(Math.min(count, n) * d)
  const step = n / Math.min(count, n)
  for (let i = 0; i < out.length / d; i++) {
    const row = Math.floor(i * step)
    out.set(keys.subarray(row * d, row * d + d), i * d)
  }
  return out
}
