import { BufferUsage, type DecodeAttention, type KvGpuContext, storageBuffer } from '@kv/kernels-webgpu'

/** `GPUMapMode.READ`: the WebGPU globals are not installed in Node.js, so the flag is spelled out. */
const MAP_READ = 0x0001

type GpuBuffer = ReturnType<typeof storageBuffer>

/**
 * The query, output and read-back buffers of one decode step, shared by every layer (layers run one
 * after the other, each waiting for the previous one's output). One submit and one `mapAsync` per call:
 * the query is written, the fused attention recorded, its output copied to a mappable buffer.
 *
 * @example
 * const io = new AttendIO(context, numHeads * headDim, numHeads)
 * await io.run(attention, rotatedQueries, out)
 */
export class AttendIO {
  private readonly device: KvGpuContext['device']
  private readonly query: GpuBuffer
  private readonly output: GpuBuffer
  private readonly lse: GpuBuffer
  private readonly staging: GpuBuffer
  private destroyed = false

  constructor(
    context: KvGpuContext,
    readonly floats: number,
    heads: number,
  ) {
    this.device = context.device
    this.query = storageBuffer(this.device, 4 * floats)
    this.output = storageBuffer(this.device, 4 * floats)
    this.lse = storageBuffer(this.device, 4 * heads)
    this.staging = this.device.createBuffer({
      size: 4 * floats,
      usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST,
    })
  }

  /** Bytes of the four buffers (0 once destroyed). */
  bytes(): number {
    if (this.destroyed) return 0
    return this.query.size + this.output.size + this.lse.size + this.staging.size
  }

  /**
   * Attention of `queries` (rotated, `[numHeads·headDim]`) over what `attention` holds; `out` is written
   * only once the read-back succeeded, so a lost device leaves it untouched.
   */
  async run(attention: DecodeAttention, queries: Float32Array, out: Float32Array): Promise<void> {
    const device = this.device
    device.queue.writeBuffer(this.query, 0, queries.buffer, queries.byteOffset, queries.byteLength)
    const encoder = device.createCommandEncoder()
    attention.encode(encoder, this.query, this.output, this.lse)
    encoder.copyBufferToBuffer(this.output, 0, this.staging, 0, 4 * this.floats)
    device.queue.submit([encoder.finish()])
    await this.staging.mapAsync(MAP_READ)
    try {
      out.set(new Float32Array(this.staging.getMappedRange(), 0, this.floats))
    } finally {
      this.staging.unmap()
    }
  }

  destroy(): void {
    if (this.destroyed) return
    this.destroyed = true
    for (const buffer of [this.query, this.output, this.lse, this.staging]) buffer.destroy()
  }
}
