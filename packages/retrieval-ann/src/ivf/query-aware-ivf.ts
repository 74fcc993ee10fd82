import { checkOptionKeys, MAX_OPTION_TOKENS, StateReader } from '@kv/tensor'
import type { KeyIndex, KeySearchResult, PlainState } from '@kv/tensor/contracts'
import { TopKHeap } from '../exact/top-k-heap.js'
import { checkInteger, checkQuery, checkRows, dotAt, MAX_KMEANS_ITERATIONS, MAX_SEED } from '../validate.js'
import { assignKeysToCells, nearestCell } from './assign-keys.js'
import { CellLists } from './cell-lists.js'
import { IdTable } from './id-table.js'
import { KeyStore } from './key-store.js'
import { sphericalKMeans } from './spherical-kmeans.js'

/** Settings of a {@link QueryAwareIvfIndex}; unset ones are derived from the sizes at `build`. */
export interface QueryAwareIvfOptions {
  /** Cells (query clusters). Default `round(4·sqrt(keys))`, at most a quarter of the sample queries, ≥ 1. */
  readonly cells?: number
  /** Cells probed per search. Default `ceil(cells / 100)`. */
  readonly nprobe?: number
  /** Top keys of each sample query that join its cell. Default 128; 0 gives a plain IVF (nearest cell only). */
  readonly perQuery?: number
  /** k-means iterations. Default 12. */
  readonly iterations?: number
  /** Seed of the k-means++ seeding. Default 1. */
  readonly seed?: number
}

/** The keys of {@link QueryAwareIvfOptions}; any other key is refused. */
export const IVF_OPTION_KEYS = ['cells', 'nprobe', 'perQuery', 'iterations', 'seed'] as const

/** A search result with the inner products of the returned keys. */
export interface ScoredSearchResult extends KeySearchResult {
  readonly scores: Float32Array
}

/**
 * RetrievalAttention's attention-aware index as an IVF whose cells are learned from queries: sample
 * queries are clustered by direction, each query's top keys join its cell (a key may live in several),
 * unreached keys join their nearest cell; search probes the `nprobe` cells whose centroids have the largest
 * inner product with the query and scores their keys exactly. Before `build` it is a flat (exact) index.
 *
 * @example
 * const index = new QueryAwareIvfIndex(64, { nprobe: 8 })
 * index.build(keys, ids, keys.length / 64, sampleQueries, sampleQueries.length / 64)
 * const { ids: top, scanned } = index.search(query, 100)
 */
export class QueryAwareIvfIndex implements KeyIndex {
  readonly headDim: number
  private readonly options: QueryAwareIvfOptions
  private store: KeyStore
  private table: IdTable
  private centroids: Float32Array
  private lists: CellLists
  private probes = 1
  private stamp = new Uint32Array(0)
  private epoch = 0

  constructor(headDim: number, options: QueryAwareIvfOptions = {}) {
    checkInteger('QueryAwareIvfIndex', 'headDim', headDim, 1, MAX_OPTION_TOKENS)
    checkOptionKeys('QueryAwareIvfIndex', options, IVF_OPTION_KEYS)
    for (const name of ['cells', 'nprobe', 'perQuery'] as const) {
      const value = options[name]
      if (value !== undefined)
        checkInteger('QueryAwareIvfIndex', name, value, name === 'perQuery' ? 0 : 1, MAX_OPTION_TOKENS)
    }
    if (options.iterations !== undefined)
      checkInteger('QueryAwareIvfIndex', 'iterations', options.iterations, 0, MAX_KMEANS_ITERATIONS)
    if (options.seed !== undefined) checkInteger('QueryAwareIvfIndex', 'seed', options.seed, 0, MAX_SEED)
    this.headDim = headDim
    this.options = options
    this.store = new KeyStore(headDim, 0)
    this.table = new IdTable(0)
    this.centroids = new Float32Array(headDim) // one zero centroid: every key in cell 0, an exact scan
    this.lists = new CellLists(1)
  }

  get size(): number {
    return this.table.size
  }

  /** Key rows allocated (rows freed by `remove` are reused before this grows). */
  get capacity(): number {
    return this.store.capacity
  }

  /** Cells of the current layout (1 before `build`). */
  get cells(): number {
    return this.lists.cells
  }

  /** Cells probed by `search`. */
  get nprobe(): number {
    return this.probes
  }

  build(keys: Float32Array, ids: Int32Array, count: number, queries: Float32Array, queryCount: number): void {
    const where = 'QueryAwareIvfIndex.build'
    const dim = this.headDim
    checkInteger(where, 'count', count, 0)
    checkInteger(where, 'queryCount', queryCount, 1)
    checkRows(where, 'keys', keys, count, dim)
    checkRows(where, 'queries', queries, queryCount, dim)
    const table = new IdTable(count)
    addIds(where, table, ids, count, 0, null)
    const cells =
      this.options.cells ??
      Math.max(1, Math.min(Math.floor(queryCount / 4), Math.round(4 * Math.sqrt(count))))
    if (cells > queryCount) {
      throw new RangeError(`${where}: cells must be <= queryCount ${queryCount}, got ${cells}`)
    }
    const probes = this.options.nprobe ?? Math.ceil(cells / 100)
    if (probes > cells) throw new RangeError(`${where}: nprobe must be <= cells ${cells}, got ${probes}`)
    // Everything checked: from here on the old state is replaced, never half-updated.
    const iterations = this.options.iterations ?? 12
    const clusters = sphericalKMeans(queries, queryCount, dim, cells, iterations, this.options.seed ?? 1)
    const store = new KeyStore(dim, count)
    store.appendRows(keys, ids, count)
    const lists = new CellLists(cells)
    assignKeysToCells(
      store.keys,
      count,
      dim,
      queries,
      queryCount,
      clusters.assignment,
      clusters.centroids,
      lists,
      this.options.perQuery ?? 128,
    )
    this.store = store
    this.table = table
    this.centroids = clusters.centroids
    this.lists = lists
    this.probes = probes
    this.stamp = new Uint32Array(store.capacity)
  }

  add(keys: Float32Array, ids: Int32Array, count: number): void {
    const where = 'QueryAwareIvfIndex.add'
    checkInteger(where, 'count', count, 0)
    checkRows(where, 'keys', keys, count, this.headDim)
    addIds(where, null, ids, count, 0, this.table) // checks only: unique, new, non-negative
    const dim = this.headDim
    for (let i = 0; i < count; i++) {
      const row = this.store.appendRow(keys, i * dim, ids[i]!)
      this.table.set(ids[i]!, row)
      this.lists.append(nearestCell(keys, i * dim, this.centroids, this.lists.cells, dim), row)
    }
    if (this.stamp.length < this.store.capacity) this.stamp = new Uint32Array(this.store.capacity)
  }

  remove(ids: Int32Array): void {
    const where = 'QueryAwareIvfIndex.remove'
    const seen = new IdTable(ids.length)
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!
      if (this.table.get(id) < 0) throw new RangeError(`${where}: ids[${i}] = ${id} is not in the index`)
      if (seen.get(id) >= 0) throw new RangeError(`${where}: ids[${i}] = ${id} appears twice`)
      seen.set(id, i)
    }
    const dead = new Uint8Array(this.store.capacity)
    for (let i = 0; i < ids.length; i++) dead[this.table.delete(ids[i]!)] = 1
    this.lists.removeRows(dead)
    for (let row = 0; row < dead.length; row++) if (dead[row] === 1) this.store.freeRow(row)
  }

  search(query: Float32Array, k: number): KeySearchResult {
    return this.searchProbing(query, k, this.probes)
  }

  /**
   * `search` with an explicit number of probed cells (`nprobe = cells` is exhaustive: the exact top-k).
   * Returns at most `k` ids: fewer when the probed cells hold fewer keys.
   */
  searchProbing(query: Float32Array, k: number, nprobe: number): ScoredSearchResult {
    const where = 'QueryAwareIvfIndex.search'
    checkInteger(where, 'k', k, 1)
    checkInteger(where, 'nprobe', nprobe, 1)
    if (nprobe > this.lists.cells) {
      throw new RangeError(`${where}: nprobe must be <= cells ${this.lists.cells}, got ${nprobe}`)
    }
    const dim = this.headDim
    checkQuery(where, query, dim)
    const cellHeap = new TopKHeap(nprobe)
    for (let c = 0; c < this.lists.cells; c++) cellHeap.push(dotAt(query, 0, this.centroids, c * dim, dim), c)
    const probed = cellHeap.drain().ids
    if (++this.epoch === 0xffffffff) {
      this.stamp.fill(0)
      this.epoch = 1
    }
    const epoch = this.epoch
    const stamp = this.stamp
    const keys = this.store.keys
    const heap = new TopKHeap(k)
    let scanned = 0
    for (let p = 0; p < probed.length; p++) {
      const cell = probed[p]!
      const rows = this.lists.rows(cell)
      const length = this.lists.length(cell)
      for (let i = 0; i < length; i++) {
        const row = rows[i]!
        if (stamp[row] === epoch) continue
        stamp[row] = epoch
        scanned++
        const score = dotAt(query, 0, keys, row * dim, dim)
        if (score > heap.threshold) heap.push(score, row)
      }
    }
    const { ids: rows, scores } = heap.drain()
    const ids = new Int32Array(rows.length)
    for (let i = 0; i < rows.length; i++) ids[i] = this.store.idOf(rows[i]!)
    return { ids, scores, scanned }
  }

  /** Entries over all cells ÷ keys held: how many cells a key lives in, on average. */
  replication(): number {
    return this.size === 0 ? 0 : this.lists.entries() / this.size
  }

  bytes(): number {
    return (
      this.store.bytes() +
      this.table.bytes() +
      this.centroids.byteLength +
      this.lists.bytes() +
      this.stamp.byteLength
    )
  }

  /** The keys, the id table, centroids and lists, as plain data (copies). */
  saveState(): PlainState {
    return {
      store: this.store.saveState(),
      table: this.table.saveState(),
      centroids: this.centroids.slice(),
      lists: this.lists.saveState(),
      probes: this.probes,
      // Search scratch: only its size is state (it counts in `bytes`); marks restart from a fresh epoch.
      stampRows: this.stamp.length,
    }
  }

  loadState(state: PlainState): void {
    const read = new StateReader('QueryAwareIvfIndex', state)
    const centroids = read.array('centroids', Float32Array)
    const lists = CellLists.fromState(read.object('lists'))
    if (centroids.length !== lists.cells * this.headDim) {
      throw new RangeError(`QueryAwareIvfIndex: saved centroids are not ${lists.cells} × ${this.headDim}`)
    }
    const store = new KeyStore(this.headDim, 0)
    store.loadState(read.object('store'))
    const table = new IdTable(0)
    table.loadState(read.object('table'))
    this.probes = read.number('probes', { integer: true, min: 1 })
    const stampRows = read.number('stampRows', { integer: true, min: 0, max: store.capacity })
    this.stamp = new Uint32Array(stampRows)
    this.epoch = 0
    this.store = store
    this.table = table
    this.centroids = centroids
    this.lists = lists
  }
}

/**
 * Checks ids `[0, count)`: non-negative int32, unique in the batch, absent from `existing`; records them
 * in `into` (row = position in the batch + `rowBase`) when given.
 */
function addIds(
  where: string,
  into: IdTable | null,
  ids: Int32Array,
  count: number,
  rowBase: number,
  existing: IdTable | null,
): void {
  if (!(ids instanceof Int32Array)) throw new TypeError(`${where}: ids must be an Int32Array`)
  if (ids.length < count) throw new RangeError(`${where}: ids must hold ${count} ids, got ${ids.length}`)
  const batch = into ?? new IdTable(count)
  for (let i = 0; i < count; i++) {
    const id = ids[i]!
    if (id < 0) throw new RangeError(`${where}: ids[${i}] must be >= 0, got ${id}`)
    if (batch.get(id) >= 0 || (existing !== null && existing.get(id) >= 0)) {
      throw new RangeError(`${where}: ids[${i}] = ${id} is already in the index`)
    }
    batch.set(id, rowBase + i)
  }
}
