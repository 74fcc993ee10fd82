import type { AttendRequest, CacheHost, ExtensionState } from '@kv/cache'
import { accumulateRowsMany, applyRope, dot, StateReader, softmax } from '@kv/tensor'
import type { CachePhase, KeyIndex, KeyRetriever, PlainState } from '@kv/tensor/contracts'

/** What retrieval did so far: searches made and keys scored by them. */
export interface RetrievalCounters {
  searches: number
  scanned: number
  /** Keys held by the indexes at each search, summed (for the fraction scanned). */
  candidates: number
}

/**
 * RetrievalAttention inside the cache: per head, the slots outside the static set (the first `sinks`
 * and the last `window`) are indexed by key; a decode step attends exactly to the static set plus the
 * `topK` keys the index returns for each query head (one softmax over their union, which equals the
 * log-sum-exp merge of the two partial softmaxes).
 */
export class RetrievalState implements ExtensionState {
  readonly counters: RetrievalCounters = { searches: 0, scanned: 0, candidates: 0 }
  private readonly retriever: KeyRetriever
  private readonly host: CacheHost
  private readonly indexes: KeyIndex[][]
  private readonly lastIndexed: number[][]
  private readonly samples: (Float32Array | undefined)[][]

  constructor(retriever: KeyRetriever, host: CacheHost) {
    this.retriever = retriever
    this.host = host
    const { numLayers, numKVHeads, headDim } = host.shape
    const perHead = <T>(make: (layer: number, head: number) => T) =>
      Array.from({ length: numLayers }, (_, layer) =>
        Array.from({ length: numKVHeads }, (_, head) => make(layer, head)),
      )
    this.indexes = perHead((layer, head) => retriever.createIndex(layer, head, headDim))
    this.lastIndexed = perHead(() => -1)
    this.samples = perHead(() => undefined)
  }

  /**
   * The indexes (each as it saves itself; null for an index that cannot), the last position indexed and
   * the prompt's sample queries per head, and the counters.
   */
  saveState(): PlainState {
    const flat = <T>(rows: T[][]) => rows.flat()
    return {
      indexes: flat(this.indexes).map((index) => index.saveState?.() ?? null),
      lastIndexed: Int32Array.from(flat(this.lastIndexed)),
      samples: flat(this.samples).map((sample) => sample ?? null),
      counters: { ...this.counters },
    }
  }

  loadState(state: PlainState): void {
    const read = new StateReader('retrievalAttention', state)
    const { numLayers, numKVHeads } = this.host.shape
    const heads = numLayers * numKVHeads
    const indexes = read.list('indexes')
    const lastIndexed = read.array('lastIndexed', Int32Array)
    const samples = read.list('samples')
    const counters = read.object('counters')
    if (indexes.length !== heads || lastIndexed.length !== heads || samples.length !== heads) {
      throw new RangeError(
        `retrievalAttention: the saved state is not of ${numLayers} layers × ${numKVHeads} heads`,
      )
    }
    samples.forEach((sample, i) => {
      if (sample !== null && !(sample instanceof Float32Array)) {
        throw new TypeError(`retrievalAttention: saved samples[${i}] must be a Float32Array or null`)
      }
    })
    const searches = counters.number('searches', { min: 0 })
    const scanned = counters.number('scanned', { min: 0 })
    const candidates = counters.number('candidates', { min: 0 })
    for (let i = 0; i < heads; i++) {
      const layer = Math.floor(i / numKVHeads)
      const head = i % numKVHeads
      const saved = indexes[i]!
      if (saved !== null) this.indexes[layer]![head]!.loadState?.(saved)
      this.lastIndexed[layer]![head] = lastIndexed[i]!
      this.samples[layer]![head] = samples[i] === null ? undefined : (samples[i] as Float32Array).slice()
    }
    Object.assign(this.counters, { searches, scanned, candidates })
  }

  /** Keeps the prompt's rotated queries of a KV head's group as sample queries for building its index. */
  onPrompt(layer: number, head: number, queries: Float32Array): void {
    this.samples[layer]![head] = queries
  }

  /** Indexes the slots that have left the window since the last call (all of them at the prompt). */
  afterPlan(layer: number, head: number, phase: CachePhase): void {
    const store = this.host.head(layer, head)
    const { sinks, window } = this.retriever
    const end = store.count - window
    let start = end
    const last = this.lastIndexed[layer]![head]!
    while (start > sinks && store.stats.positions[start - 1]! > last) start--
    if (start >= end) return
    const keys = store.decodeAll('key').subarray(start * store.headDim, end * store.headDim)
    const ids = store.stats.positions.slice(start, end)
    const index = this.indexes[layer]![head]!
    const sample = this.samples[layer]![head]
    if (phase === 'prefill' && sample && index.size === 0) {
      index.build(keys, ids, end - start, sample, sample.length / store.headDim)
      this.samples[layer]![head] = undefined
    } else {
      index.add(keys, ids, end - start)
    }
    this.lastIndexed[layer]![head] = ids[ids.length - 1]!
  }

  /** Removes evicted tokens from the index. */
  onRemove(layer: number, head: number, positions: Int32Array): void {
    const last = this.lastIndexed[layer]![head]!
    const index = this.indexes[layer]![head]!
    const indexed = positions.filter((p) => p <= last && p >= 0)
    if (indexed.length > 0 && index.size > 0) {
      try {
        index.remove(indexed)
      } catch {
        for (const id of indexed) {
          try {
            index.remove(Int32Array.of(id))
          } catch {
            // a sink or a token never indexed: nothing to remove
          }
        }
      }
    }
  }

  /** Attends a head through its index once the index holds keys; until then the cache attends exactly. */
  attend(request: AttendRequest): boolean {
    const { store, queries, group, invFreq, out, scratch } = request
    if (this.indexes[store.layer]![store.head]!.size === 0) return false
    const headDim = store.headDim
    const count = store.count
    const { sinks, window, topK } = this.retriever
    const index = this.indexes[store.layer]![store.head]!
    // Rows are read in place when every slot is in full precision (no copy per step); otherwise decoded.
    const inPlace = store.blocks.length === 0
    const keys = inPlace ? store.rawKeys.data : store.decodeAll('key')
    const values = inPlace ? store.rawValues.data : store.decodeAll('value')
    const keyBase = inPlace ? store.rawKeys.offset : 0
    const valueBase = inPlace ? store.rawValues.offset : 0
    const positions = store.stats.positions
    scratch.ensure(group * count, headDim, 0)
    const weights = scratch.scores.subarray(0, group * count)
    weights.fill(0)
    const rotated = scratch.rotated
    const acc = scratch.accumulator(group * headDim)
    const scale = 1 / Math.sqrt(headDim)
    const staticEnd = Math.min(sinks, count)
    // The window is every slot not yet indexed (at least the last `window`): a slot that just left the
    // window is indexed at the end of this step, so until then it is attended exactly.
    const last = this.lastIndexed[store.layer]![store.head]!
    let windowStart = Math.max(staticEnd, count - window)
    while (windowStart > staticEnd && positions[windowStart - 1]! > last) windowStart--
    for (let g = 0; g < group; g++) {
      rotated.set(queries.subarray(g * headDim, (g + 1) * headDim))
      applyRope(rotated, 0, headDim, request.position, invFreq)
      const found = index.search(rotated, topK)
      this.counters.searches++
      this.counters.scanned += found.scanned
      this.counters.candidates += index.size
      const slots: number[] = []
      for (let s = 0; s < staticEnd; s++) slots.push(s)
      for (const id of found.ids) {
        const slot = findSlot(positions, count, id)
        if (slot >= staticEnd && slot < windowStart) slots.push(slot)
      }
      for (let s = windowStart; s < count; s++) slots.push(s)
      const logits = new Float32Array(slots.length)
      for (let i = 0; i < slots.length; i++)
        logits[i] = dot(rotated, 0, keys, keyBase + slots[i]! * headDim, headDim) * scale
      softmax(logits)
      for (let i = 0; i < slots.length; i++) weights[g * count + slots[i]!] = logits[i]!
      // Only the attended slots: the static set and what the index returned.
      for (let i = 0; i < slots.length; i++) {
        accumulateRowsMany(
          values,
          valueBase + slots[i]! * headDim,
          1,
          headDim,
          logits,
          [i],
          acc,
          [g * headDim],
          1,
        )
      }
    }
    for (let i = 0; i < group * headDim; i++) out[i] = acc[i]!
    if (request.weightsSum) {
      for (let i = 0; i < count; i++) {
        let sum = 0
        for (let g = 0; g < group; g++) sum += weights[g * count + i]!
        request.weightsSum[i] = sum
      }
    }
    return true
  }

  logicalBytes(): number {
    let bytes = 0
    for (const heads of this.indexes) for (const index of heads) bytes += index.bytes()
    return bytes
  }

  physicalBytes(): number {
    return this.logicalBytes()
  }
}

/** The slot holding original position `id` (positions ascending), or -1. */
function findSlot(positions: Int32Array, count: number, id: number): number {
  let lo = 0
  let hi = count - 1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    const p = positions[mid]!
    if (p === id) return mid
    if (p < id) lo = mid + 1
    else hi = mid - 1
  }
  return -1
}
