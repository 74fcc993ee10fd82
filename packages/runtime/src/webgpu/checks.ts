import type { CacheKind, DecodeAttentionOptions } from '@kv/kernels-webgpu'
import type { AcceleratorShape } from './accelerator.js'

const KINDS: readonly string[] = ['f16', 'q4', 'q2']

/**
 * Refuses a shape or options the GPU cache cannot hold, before any device is requested.
 *
 * @example
 * checkShape('webgpuAccelerator', model.config, 'q4', 2048)
 */
export function checkShape(
  where: string,
  shape: AcceleratorShape,
  kind: CacheKind,
  maxTokens: number | undefined,
): void {
  for (const name of ['numLayers', 'numKVHeads', 'numHeads', 'headDim'] as const) {
    const value = shape[name]
    if (!Number.isInteger(value) || value < 1)
      throw new RangeError(`${where}: ${name} must be a positive integer, got ${value}`)
  }
  if (shape.numHeads % shape.numKVHeads !== 0) {
    throw new RangeError(
      `${where}: numHeads ${shape.numHeads} must be a multiple of numKVHeads ${shape.numKVHeads}`,
    )
  }
  if (!KINDS.includes(kind))
    throw new RangeError(`${where}: kind must be 'f16', 'q4' or 'q2', got ${String(kind)}`)
  if (maxTokens === undefined)
    throw new TypeError(`${where}: maxTokens is required when the shape has no maxPositions`)
  if (!Number.isInteger(maxTokens) || maxTokens < 1)
    throw new RangeError(`${where}: maxTokens must be a positive integer, got ${maxTokens}`)
}

/**
 * Bytes of the flash-decoding partial buffers a `DecodeAttention` keeps after running with `splits`
 * splits (it grows them and never shrinks; they are private to it, so counted from its sizing rule:
 * per (KV head, split) row, `headDim` accumulators and a (max, sum) pair, each a vec4 per 4 query heads).
 *
 * @example
 * partialBytes(attention.options, attention.splitPlan().splits)
 */
export function partialBytes(options: DecodeAttentionOptions, splits: number): number {
  if (splits === 0) return 0
  const rows = (options.batch ?? 1) * options.kvHeads * splits
  const qv = Math.ceil(options.queryHeadsPerKv / 4)
  return rows * options.headDim * qv * 16 + rows * 2 * qv * 16
}
