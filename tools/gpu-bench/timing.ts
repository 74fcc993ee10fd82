import { BufferUsage, type KvGpuContext, readBuffer, storageBuffer } from '@kv/kernels-webgpu'

/** Milliseconds per call: wall clock from submit to completion, and GPU time between two timestamps. */
export interface CallTime {
  readonly wall: number
  /** Between timestamps written before the first call and after the last; the wall time without them. */
  readonly gpu: number
}

/**
 * Times GPU work on one device: `time(encode, calls)` records `encode` `calls` times into one command
 * buffer (between timestamps where the device has `timestamp-query`), submits it and waits. `best` warms up
 * first, then keeps the faster of two runs. `destroy` frees the query set.
 *
 * @example
 * const timer = callTimer(ctx)
 * const { gpu } = await timer.best((enc) => attn.encode(enc, q, out, lse), 3, 50)
 */
export function callTimer(ctx: KvGpuContext) {
  const device = ctx.device
  const stamps = ctx.features.has('timestamp-query')
    ? device.createQuerySet({ type: 'timestamp', count: 2 })
    : undefined
  const resolved = storageBuffer(device, 16, BufferUsage.QUERY_RESOLVE | BufferUsage.COPY_SRC)
  const time = async (encode: (enc: GPUCommandEncoder) => void, calls: number): Promise<CallTime> => {
    const enc = device.createCommandEncoder()
    if (stamps)
      enc.beginComputePass({ timestampWrites: { querySet: stamps, beginningOfPassWriteIndex: 0 } }).end()
    for (let i = 0; i < calls; i++) encode(enc)
    if (stamps) {
      enc.beginComputePass({ timestampWrites: { querySet: stamps, endOfPassWriteIndex: 1 } }).end()
      enc.resolveQuerySet(stamps, 0, 2, resolved, 0)
    }
    const t0 = performance.now()
    device.queue.submit([enc.finish()])
    await device.queue.onSubmittedWorkDone()
    const wall = (performance.now() - t0) / calls
    if (!stamps) return { wall, gpu: wall }
    const [begin, end] = new BigUint64Array(await readBuffer(device, resolved, 16))
    return { wall, gpu: Number(end! - begin!) / 1e6 / calls }
  }
  const best = async (
    encode: (enc: GPUCommandEncoder) => void,
    warmup: number,
    calls: number,
  ): Promise<CallTime> => {
    await time(encode, warmup)
    const [a, b] = [await time(encode, calls), await time(encode, calls)]
    return { wall: Math.min(a.wall, b.wall), gpu: Math.min(a.gpu, b.gpu) }
  }
  const destroy = () => {
    stamps?.destroy()
    resolved.destroy()
  }
  return { time, best, destroy }
}
