import {
  encodeDispatch,
  grid,
  readBuffer,
  storageBuffer,
  uniformBuffer,
  uploadBuffer,
} from '../device/buffers.js'
import { getPipeline } from '../device/pipeline-cache.js'
import type { KvGpuContext } from '../device/request-device.js'
import { probeSubgroups } from '../device/subgroups.js'
import { BufferUsage } from '../device/usage.js'
import { attentionInt8Wgsl, int8LayoutProblem, int8SharedBytes } from './attention-int8-wgsl.js'
import { attentionWgsl } from './attention-wgsl.js'
import type { AttentionArithmetic, CacheKind } from './layout.js'
import { PagedKV } from './paged-kv.js'
import { reduceWgsl, weightsWgsl } from './reduce-wgsl.js'

/**
 * The `int8` kernel's default split plan: splits of up to this many tokens (its per-split costs, the final
 * workgroup sums, want long splits)...
 */
const INT8_SPLIT_TOKENS = 4096
/** ...but at least this many workgroups, to fill the GPU (an H200 has 132 SMs; tools/gpu-bench/results). */
const INT8_MIN_WORKGROUPS = 1024

/** Options of {@link createDecodeAttention}. */
export interface DecodeAttentionOptions {
  readonly headDim: number
  readonly kvHeads: number
  /** Query heads reading each KV head (grouped-query attention; 1 = multi-head). */
  readonly queryHeadsPerKv: number
  readonly kind: CacheKind
  /** q kinds: tokens per key group (per channel) and channels per value group (per token). Default 32. */
  readonly groupSize?: number
  /** Tokens per page (32, 64, 128 or 256; default 128); also the workgroup size. */
  readonly pageTokens?: number
  /** Sequences decoded together. Default 1. */
  readonly batch?: number
  /** Token capacity of each sequence (pages are allocated up front for batch × kvHeads × this). */
  readonly maxTokens: number
  /** Softmax scale, default `1 / sqrt(headDim)`. */
  readonly scale?: number
  /**
   * Workgroups to aim for when splitting long contexts (flash-decoding). Default 4096; the `int8` kernel
   * by default takes splits of up to 4096 tokens, and at least 1024 workgroups in all.
   */
  readonly targetWorkgroups?: number
  /**
   * float32 arithmetic: reduce the page maxima and sums over subgroups instead of workgroup trees, where
   * the device allows (see `probeSubgroups`). Default: on for q kinds, off for f16. On an H200 through
   * Dawn/Vulkan, subgroups made q4 and q2 1.09–1.23× faster and f16 0.87–0.94× as fast
   * (tools/gpu-bench/results/h200-float32-subgroups.jsonl). The `int8` kernel uses subgroups whenever the
   * device has them.
   */
  readonly subgroups?: boolean
  /**
   * q kinds: `float32` (default) multiplies dequantized codes in float32 (within 5e-5 of the float64
   * reference); `int8` rounds the scaled query to int8 per key group and the attention weights to u8 per
   * page and sums packed codes with 4-way integer dot products: about 4× less arithmetic, error within
   * `int8AttentionErrorBound`. The pages are ordered for the chosen kernel.
   */
  readonly arithmetic?: AttentionArithmetic
  /** Most pages one workgroup takes (a cap on what `targetWorkgroups` gives). Default no cap. */
  readonly maxPagesPerSplit?: number
}

/** Output of {@link DecodeAttention.run}. */
export interface DecodeAttentionResult {
  /** `[batch, qHeads, headDim]`. */
  readonly output: Float32Array
  /** Log-sum-exp of the scaled logits, `[batch, qHeads]` (to merge with attention computed elsewhere). */
  readonly lse: Float32Array
  /** Per sequence, attention weights `[qHeads, length]`, when asked for. */
  readonly weights?: Float32Array[]
}

/**
 * Fused decode attention over a paged KV cache on the GPU (see {@link createDecodeAttention}).
 *
 * @example
 * const attn = new DecodeAttention(ctx, { headDim: 64, kvHeads: 2, queryHeadsPerKv: 4, kind: 'q2', maxTokens: 1024 })
 */
export class DecodeAttention extends PagedKV {
  private readonly qHeads: number
  private readonly qv: number
  private readonly scale: number
  private readonly target: number
  private partial: { acc: GPUBuffer; ml: GPUBuffer; splits: number } | undefined
  private useSubgroups = false
  private subgroupSize = 0

  constructor(
    readonly context: KvGpuContext,
    readonly options: DecodeAttentionOptions,
  ) {
    super(context.device, options)
    this.qHeads = options.kvHeads * options.queryHeadsPerKv
    this.qv = Math.ceil(options.queryHeadsPerKv / 4)
    this.scale = options.scale ?? 1 / Math.sqrt(options.headDim)
    this.target = options.targetWorkgroups ?? 4096
    if (
      !Number.isInteger(options.queryHeadsPerKv) ||
      options.queryHeadsPerKv < 1 ||
      options.queryHeadsPerKv > 16
    ) {
      throw new RangeError(
        `createDecodeAttention: queryHeadsPerKv must be an integer in 1..16, got ${options.queryHeadsPerKv}`,
      )
    }
    const mps = options.maxPagesPerSplit
    if (mps !== undefined && (!Number.isInteger(mps) || mps < 1)) {
      throw new RangeError(`createDecodeAttention: maxPagesPerSplit must be a positive integer, got ${mps}`)
    }
    if (this.int8) {
      const problem = int8LayoutProblem(this.layout)
      const bytes = int8SharedBytes(this.layout, this.qv)
      const limit = context.device.limits.maxComputeWorkgroupStorageSize
      if (problem !== undefined || bytes > limit) {
        this.destroy()
        throw new RangeError(
          `createDecodeAttention: ${problem ?? `the int8 kernel needs ${bytes} bytes of workgroup memory for ${options.queryHeadsPerKv} query heads per KV head and ${this.layout.headDim / this.layout.groupSize} value groups, above this device's ${limit}; use arithmetic 'float32' or a larger groupSize`}`,
        )
      }
    }
    if (!Number.isFinite(this.scale) || this.scale <= 0) {
      throw new RangeError(`createDecodeAttention: scale must be a positive finite number, got ${this.scale}`)
    }
  }

  /** Whether the `int8` kernel reads this cache. */
  get int8(): boolean {
    return this.layout.arithmetic === 'int8'
  }

  /** Query heads in all (`kvHeads · queryHeadsPerKv`). */
  get queryHeads(): number {
    return this.qHeads
  }

  /**
   * Checks once per device whether subgroup reductions can be used (`run` does it; call it before
   * `encode` to get them there too).
   *
   * @example
   * await attn.prepare()
   */
  async prepare(): Promise<void> {
    // the int8 kernel's shuffles work for any subgroup size, and are always worth having
    if (!this.int8 && !(this.options.subgroups ?? this.layout.kind !== 'f16')) return
    const { linear, size } = await probeSubgroups(this.context)
    const { headDim, pageTokens } = this.layout
    this.useSubgroups = this.int8
      ? linear && size > 0
      : linear && size >= 4 && headDim % size === 0 && pageTokens % size === 0
    this.subgroupSize = size
  }

  /** Whether `encode` uses subgroup reductions. */
  get subgroupReductions(): boolean {
    return this.useSubgroups
  }

  /** Pages per split and splits for the current lengths. */
  splitPlan(): { pagesPerSplit: number; splits: number } {
    const pages = Math.max(1, Math.ceil(Math.max(...this.lengths) / this.layout.pageTokens))
    const all = pages * this.batch * this.options.kvHeads
    // int8 by default: splits of up to INT8_SPLIT_TOKENS, at least INT8_MIN_WORKGROUPS workgroups
    const wanted =
      this.int8 && this.options.targetWorkgroups === undefined
        ? Math.min(Math.ceil(all / INT8_MIN_WORKGROUPS), INT8_SPLIT_TOKENS / this.layout.pageTokens)
        : Math.ceil(all / this.target)
    const perSplit = Math.max(1, Math.min(wanted, this.options.maxPagesPerSplit ?? wanted))
    return { pagesPerSplit: perSplit, splits: Math.ceil(pages / perSplit) }
  }

  /**
   * Records attention for the query in `query` (`[batch, qHeads, headDim]` float32) into `out`
   * (same shape) and `lse` (`[batch, qHeads]`); with `logits` (`[batch, qHeads, maxTokens]`), the
   * attention weights too. Buffers stay on the GPU (the runtime's path).
   *
   * @example
   * attn.encode(encoder, qBuf, outBuf, lseBuf)
   */
  encode(
    encoder: GPUCommandEncoder,
    query: GPUBuffer,
    out: GPUBuffer,
    lse: GPUBuffer,
    logits?: GPUBuffer,
  ): void {
    this.checkAlive()
    const empty = this.lengths.indexOf(0)
    if (empty >= 0)
      throw new RangeError(`DecodeAttention.encode: sequence ${empty} is empty; append tokens first`)
    this.flush()
    const device = this.device
    const { pagesPerSplit, splits } = this.splitPlan()
    const { acc, ml } = this.partialBuffers(splits)
    const { kvHeads, queryHeadsPerKv: qpk, headDim: D } = this.options
    const withLogits = logits !== undefined
    const sg = this.useSubgroups ? this.subgroupSize : 0
    const key = `attn:${this.layout.kind}:${this.layout.arithmetic}:d${D}:p${this.layout.pageTokens}:g${this.layout.groupSize}:qv${this.qv}:l${withLogits}:sg${sg}`
    const layout = this.layout
    const attn = getPipeline(device, key, () =>
      this.int8
        ? attentionInt8Wgsl({ layout, qv: this.qv, logits: withLogits, subgroupSize: sg })
        : attentionWgsl({ layout, qv: this.qv, logits: withLogits, subgroups: sg > 0 }),
    )
    const params = this.paramsBuffer(pagesPerSplit, splits)
    const bindings = [params, query, this.pool, this.pageTable, this.lengthBuffer, acc, ml]
    if (this.int8) bindings.push(this.pool)
    if (logits !== undefined) bindings.push(logits)
    encodeDispatch(device, encoder, attn, bindings, [splits, kvHeads, this.batch])
    const reduce = getPipeline(device, `attnReduce:d${D}:qv${this.qv}`, () =>
      reduceWgsl({ headDim: D, qv: this.qv }),
    )
    const rows = this.batch * kvHeads
    const rp = uniformBuffer(device, [{ u: rows }, { u: splits }, { u: qpk }, { u: 0 }])
    encodeDispatch(device, encoder, reduce, [rp, acc, ml, out, lse], grid(rows * this.qv))
    if (logits !== undefined) {
      const wp = getPipeline(device, 'attnWeights', weightsWgsl)
      const u = uniformBuffer(device, [
        { u: this.batch },
        { u: this.qHeads },
        { u: this.maxTokens },
        { u: 0 },
      ])
      const n = this.batch * this.qHeads * this.maxTokens
      encodeDispatch(device, encoder, wp, [u, this.lengthBuffer, lse, logits], grid(Math.ceil(n / 64)))
    }
  }

  /**
   * Attention of one query per sequence over everything appended: `query` `[batch, qHeads, headDim]`.
   * With `weights: true`, also the attention weights of every token (for policies such as H2O).
   *
   * @example
   * const { output, lse } = await attn.run(query)
   */
  async run(query: Float32Array, options: { weights?: boolean } = {}): Promise<DecodeAttentionResult> {
    const D = this.options.headDim
    const n = this.batch * this.qHeads * D
    if (query.length !== n) {
      throw new RangeError(
        `DecodeAttention.run: query has ${query.length} floats, expected batch × qHeads × headDim = ${n}`,
      )
    }
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(query[i]!)) throw new RangeError(`DecodeAttention.run: query[${i}] is ${query[i]}`)
    }
    await this.prepare()
    const device = this.device
    const q = uploadBuffer(device, query)
    const out = storageBuffer(device, 4 * n)
    const lse = storageBuffer(device, 4 * this.batch * this.qHeads)
    const logits = options.weights
      ? storageBuffer(device, 4 * this.batch * this.qHeads * this.maxTokens)
      : undefined
    const encoder = device.createCommandEncoder()
    this.encode(encoder, q, out, lse, logits)
    device.queue.submit([encoder.finish()])
    const [o, l, w] = await Promise.all([
      readBuffer(device, out, 4 * n),
      readBuffer(device, lse, 4 * this.batch * this.qHeads),
      logits === undefined
        ? undefined
        : readBuffer(device, logits, 4 * this.batch * this.qHeads * this.maxTokens),
    ])
    for (const b of [q, out, lse, logits]) b?.destroy()
    const result: DecodeAttentionResult = { output: new Float32Array(o), lse: new Float32Array(l) }
    if (w === undefined) return result
    const all = new Float32Array(w)
    const weights = this.lengths.map((len, b) => {
      const per = new Float32Array(this.qHeads * len)
      for (let h = 0; h < this.qHeads; h++) {
        const from = (b * this.qHeads + h) * this.maxTokens
        per.set(all.subarray(from, from + len), h * len)
      }
      return per
    })
    return { ...result, weights }
  }

  private paramsBuffer(pagesPerSplit: number, splits: number): GPUBuffer {
    return uniformBuffer(this.device, [
      { u: this.batch },
      { u: this.options.kvHeads },
      { u: this.maxPages },
      { u: pagesPerSplit },
      { u: splits },
      { u: this.qHeads },
      { u: this.maxTokens },
      this.scale,
    ])
  }

  private partialBuffers(splits: number): { acc: GPUBuffer; ml: GPUBuffer } {
    if (this.partial === undefined || this.partial.splits < splits) {
      this.partial?.acc.destroy()
      this.partial?.ml.destroy()
      const rows = this.batch * this.options.kvHeads * splits
      const usage = BufferUsage.STORAGE
      this.partial = {
        acc: storageBuffer(this.device, rows * this.options.headDim * this.qv * 16, usage),
        ml: storageBuffer(this.device, rows * 2 * this.qv * 16, usage),
        splits,
      }
    }
    return this.partial
  }

  override destroy(): void {
    this.partial?.acc.destroy()
    this.partial?.ml.destroy()
    this.partial = undefined
    super.destroy()
  }
}

/**
 * Creates fused decode attention over a paged cache of float16 or 4/2-bit packed keys and values
 * (KIVI layout: keys per channel over `groupSize` tokens, values per token over `groupSize` channels).
 * Append keys and values, then run one query per sequence; flash-decoding splits long contexts over
 * workgroups and merges them by log-sum-exp; several query heads share each KV head's reads.
 *
 * @example
 * const attn = createDecodeAttention(ctx, { headDim: 128, kvHeads: 8, queryHeadsPerKv: 4, kind: 'q4', maxTokens: 4096 })
 * attn.append(0, keys, values)                   // [tokens, kvHeads, headDim] each
 * const { output } = await attn.run(query)        // [1, 32, 128]
 */
export function createDecodeAttention(
  context: KvGpuContext,
  options: DecodeAttentionOptions,
): DecodeAttention {
  return new DecodeAttention(context, options)
}
