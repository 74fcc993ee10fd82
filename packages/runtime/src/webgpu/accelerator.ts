import type { AttentionAccelerator } from '@kv/cache'
import {
  type AttentionArithmetic,
  type CacheKind,
  createDecodeAttention,
  type DecodeAttention,
  initFromDevice,
  type KvGpuContext,
  KvGpuUnavailableError,
  requestDevice,
} from '@kv/kernels-webgpu'
import { AttendIO } from './attend-io.js'
import { checkShape, partialBytes } from './checks.js'

/**
 * The model shape the GPU cache is laid out for (a `LlamaConfig` fits).
 *
 * @example
 * const shape: AcceleratorShape = { numLayers: 8, numKVHeads: 2, numHeads: 4, headDim: 64, maxPositions: 2048 }
 */
export interface AcceleratorShape {
  readonly numLayers: number
  readonly numKVHeads: number
  readonly numHeads: number
  readonly headDim: number
  /** Default for `maxTokens`. */
  readonly maxPositions?: number
}

/**
 * Options of {@link webgpuAccelerator}.
 *
 * @example
 * const options: WebGpuAcceleratorOptions = { kind: 'q4', groupSize: 32, maxTokens: 4096 }
 */
export interface WebGpuAcceleratorOptions {
  /** How the GPU stores keys and values: float16 (default) or KIVI-packed 4/2-bit. */
  readonly kind?: CacheKind
  /** q kinds: tokens per key group (per channel) and channels per value group (per token). Default 32. */
  readonly groupSize?: number
  /** Tokens per GPU page (32, 64, 128 or 256). Default 128. */
  readonly pageTokens?: number
  /** Tokens the sequence may reach; pages for all of them are allocated up front. Default `maxPositions`. */
  readonly maxTokens?: number
  /**
   * q kinds: the fused kernel's arithmetic, `float32` (default) or `int8` (4-way integer dot products; see
   * `@kv/kernels-webgpu`'s README for its error bound).
   */
  readonly arithmetic?: AttentionArithmetic
  /** The application's device (its engine's); otherwise one is requested and owned by the accelerator. */
  readonly device?: KvGpuContext['device']
}

/**
 * Decode attention of the KV cache on a WebGPU device, through `@kv/kernels-webgpu`'s fused paged kernel,
 * one paged cache per layer. The GPU reads back asynchronously; the cache awaits it in `attendAsync`,
 * which `model.step` uses for every layer.
 *
 * @example
 * const accelerator = await webgpuAccelerator(model.config, { kind: 'f16' })
 * const cache = model.createCache({ accelerator })
 * await model.step(token, cache)
 * if (!accelerator.serving) console.warn(accelerator.stoppedBecause)
 * accelerator.dispose()
 */
export class WebGpuAccelerator implements AttentionAccelerator {
  readonly name: string
  readonly producesAttention = false
  /** Why the accelerator stopped serving (device lost, a failed GPU call, a synchronous call), if it did. */
  stoppedBecause: string | undefined
  private readonly layers: DecodeAttention[]
  private readonly io: AttendIO
  private readonly splits: number[]
  private busy = false

  constructor(
    readonly context: KvGpuContext,
    readonly shape: AcceleratorShape,
    readonly kind: CacheKind,
    layers: DecodeAttention[],
    private readonly ownsDevice: boolean,
  ) {
    this.name = `webgpu(${kind})`
    this.layers = layers
    this.splits = new Array<number>(layers.length).fill(0)
    this.io = new AttendIO(context, shape.numHeads * shape.headDim, shape.numHeads)
    context.lost.then((info) => this.stop(`device lost (${info.reason}): ${info.message}`))
  }

  /** Whether attention is still served on the device. */
  get serving(): boolean {
    return this.stoppedBecause === undefined
  }

  /** Stores rows of a layer (one decoded token or a prompt), `[tokens, numKVHeads·headDim]`. */
  append(layer: number, keys: Float32Array, values: Float32Array, _positions: Int32Array): void {
    this.forward(layer, keys, values, 'append')
  }

  /**
   * Attention of one decode step on the device: `queries` `[numHeads·headDim]` rotated at `position`,
   * `out` `[numHeads·headDim]`. Resolves false (with `out` untouched) once the device is lost or a GPU
   * call failed; the caller then attends on the CPU.
   *
   * @example
   * if (!(await accelerator.attend(layer, rotated, position, out))) cache.attend(layer, q, out)
   */
  async attend(layer: number, queries: Float32Array, _position: number, out: Float32Array): Promise<boolean> {
    const attention = this.layerAt(layer, 'attend')
    const floats = this.shape.numHeads * this.shape.headDim
    if (queries.length !== floats || out.length !== floats) {
      throw new RangeError(
        `${this.name}.attend: queries (${queries.length}) and out (${out.length}) must hold numHeads × headDim = ${floats} floats`,
      )
    }
    if (this.busy) throw new Error(`${this.name}.attend: the previous call has not finished`)
    if (!this.serving) return false
    if (this.context.isLost()) {
      this.stop('device lost')
      return false
    }
    this.busy = true
    try {
      this.splits[layer] = Math.max(this.splits[layer]!, attention.splitPlan().splits)
      await this.io.run(attention, queries, out)
      return true
    } catch (error) {
      this.stop(`${this.context.isLost() ? 'device lost' : 'GPU call failed'}: ${(error as Error).message}`)
      return false
    } finally {
      this.busy = false
    }
  }

  /** Bytes of the GPU buffers held: paged pools, page tables, split partials, step buffers. */
  deviceBytes(): number {
    if (!this.serving) return 0
    let bytes = this.io.bytes()
    for (let layer = 0; layer < this.layers.length; layer++) {
      const attention = this.layers[layer]!
      bytes += attention.physicalBytes() + partialBytes(attention.options, this.splits[layer]!)
    }
    return bytes
  }

  /** Releases the GPU buffers (and the device, when the accelerator requested it); attention stops. */
  dispose(): void {
    this.stop('disposed')
  }

  private forward(layer: number, keys: Float32Array, values: Float32Array, where: string): void {
    const attention = this.layerAt(layer, where)
    if (!this.serving) return
    // A throw here would reach the cache before its own CPU copy is written, so failures stop the
    // accelerator instead: the next attention call answers false and the CPU takes over.
    try {
      attention.append(0, keys, values)
    } catch (error) {
      this.stop(`${where} at layer ${layer} failed: ${(error as Error).message}`)
    }
  }

  private layerAt(layer: number, where: string): DecodeAttention {
    const attention = this.layers[layer]
    if (!Number.isInteger(layer) || attention === undefined) {
      throw new RangeError(
        `${this.name}.${where}: layer must be in 0..${this.layers.length - 1}, got ${layer}`,
      )
    }
    return attention
  }

  /** The GPU copy is stale once any token is missed, so stopping is for good and frees it at once. */
  private stop(reason: string): void {
    if (this.stoppedBecause !== undefined) return
    this.stoppedBecause = reason
    for (const attention of this.layers) attention.destroy()
    this.io.destroy()
    if (this.ownsDevice) this.context.dispose()
  }
}

/** `webgpuAccelerator` once `@kv/kernels-webgpu` is loaded (see `./index.ts`). */
export async function createWebGpuAccelerator(
  shape: AcceleratorShape,
  options: WebGpuAcceleratorOptions = {},
): Promise<WebGpuAccelerator> {
  const where = 'webgpuAccelerator'
  const kind = options.kind ?? 'f16'
  const maxTokens = options.maxTokens ?? shape.maxPositions
  checkShape(where, shape, kind, maxTokens)
  let context: KvGpuContext
  if (options.device !== undefined) context = initFromDevice(options.device)
  else {
    try {
      context = await requestDevice()
    } catch (error) {
      if (!(error instanceof KvGpuUnavailableError)) throw error
      throw new KvGpuUnavailableError(
        `${where}: no WebGPU device (${error.message}); decode with the CPU cache, model.createCache({})`,
        { cause: error },
      )
    }
  }
  const owned = options.device === undefined
  const layers: DecodeAttention[] = []
  try {
    for (let layer = 0; layer < shape.numLayers; layer++) {
      layers.push(
        createDecodeAttention(context, {
          headDim: shape.headDim,
          kvHeads: shape.numKVHeads,
          queryHeadsPerKv: shape.numHeads / shape.numKVHeads,
          kind,
          groupSize: options.groupSize ?? 32,
          pageTokens: options.pageTokens ?? 128,
          maxTokens: maxTokens!,
          ...(options.arithmetic === undefined ? {} : { arithmetic: options.arithmetic }),
        }),
      )
    }
    // probes the device's subgroups once (the int8 kernel's shuffles, the float32 q kernels' reductions);
    // without it every kernel would take the workgroup trees
    await Promise.all(layers.map((attention) => attention.prepare()))
  } catch (error) {
    for (const attention of layers) attention.destroy()
    if (owned) context.dispose()
    throw error
  }
  return new WebGpuAccelerator(context, shape, kind, layers, owned)
}
