import { BufferUsage, MapModeRead } from './usage.js'

const STORAGE_RW = BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST

/**
 * A storage buffer holding a copy of `data` (rounded up to 4 bytes; at least 4 bytes, as WebGPU needs).
 *
 * @example
 * const buf = uploadBuffer(device, new Float32Array([1, 2, 3]))
 */
export function uploadBuffer(
  device: GPUDevice,
  data: ArrayBufferView,
  usage: number = STORAGE_RW,
): GPUBuffer {
  const size = Math.max(4, Math.ceil(data.byteLength / 4) * 4)
  const buffer = device.createBuffer({ size, usage: usage | BufferUsage.COPY_DST, mappedAtCreation: true })
  new Uint8Array(buffer.getMappedRange()).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength))
  buffer.unmap()
  return buffer
}

/**
 * An empty storage buffer of at least `byteLength` bytes (rounded up to 4).
 *
 * @example
 * const out = storageBuffer(device, 4 * n)
 */
export function storageBuffer(device: GPUDevice, byteLength: number, usage: number = STORAGE_RW): GPUBuffer {
  return device.createBuffer({ size: Math.max(4, Math.ceil(byteLength / 4) * 4), usage })
}

/** Uniform buffers by content, per device: the kernels never write to them, so equal ones are shared. */
const uniforms = new WeakMap<GPUDevice, Map<string, GPUBuffer>>()

/** Distinct uniform contents kept per device; past this the map starts afresh (the GC frees the rest). */
const MAX_CACHED_UNIFORMS = 1024

/**
 * A uniform buffer of 32-bit fields (u32 from integers given as `{ u: n }`, f32 from plain numbers),
 * padded to 16 bytes. Buffers are shared by content per device and must not be written or destroyed:
 * creating one costs about 65 µs of GPU time on an H200 through Dawn (a fresh allocation and copy), more
 * than a whole small kernel, so a kernel called every decode step must not make a new one each time.
 *
 * @example
 * uniformBuffer(device, [{ u: rows }, { u: cols }, 0.125])
 */
export function uniformBuffer(device: GPUDevice, fields: ReadonlyArray<number | { u: number }>): GPUBuffer {
  const words = Math.max(4, Math.ceil(fields.length / 4) * 4)
  const raw = new ArrayBuffer(words * 4)
  const u = new Uint32Array(raw)
  const f = new Float32Array(raw)
  fields.forEach((field, i) => {
    if (typeof field === 'number') f[i] = field
    else u[i] = field.u >>> 0
  })
  let cache = uniforms.get(device)
  if (cache === undefined) {
    cache = new Map()
    uniforms.set(device, cache)
  }
  const key = u.join(',')
  const cached = cache.get(key)
  if (cached !== undefined) return cached
  if (cache.size >= MAX_CACHED_UNIFORMS) cache.clear()
  const buffer = uploadBuffer(device, u, BufferUsage.UNIFORM)
  cache.set(key, buffer)
  return buffer
}

/**
 * Copies `byteLength` bytes of `buffer` (from `offset`) back to the CPU.
 *
 * @example
 * const out = new Float32Array(await readBuffer(device, outBuffer, 4 * n))
 */
export async function readBuffer(
  device: GPUDevice,
  buffer: GPUBuffer,
  byteLength: number,
  offset = 0,
): Promise<ArrayBuffer> {
  const size = Math.max(4, Math.ceil(byteLength / 4) * 4)
  const staging = device.createBuffer({ size, usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST })
  const encoder = device.createCommandEncoder()
  encoder.copyBufferToBuffer(buffer, offset, staging, 0, size)
  device.queue.submit([encoder.finish()])
  await staging.mapAsync(MapModeRead)
  const copy = staging.getMappedRange().slice(0, byteLength)
  staging.unmap()
  staging.destroy()
  return copy
}

/**
 * Records one dispatch of `pipeline` with `buffers` bound in order to @group(0) @binding(0..n-1).
 *
 * @example
 * const enc = device.createCommandEncoder()
 * encodeDispatch(device, enc, pipeline, [params, input, output], [Math.ceil(n / 64), 1, 1])
 * device.queue.submit([enc.finish()])
 */
export function encodeDispatch(
  device: GPUDevice,
  encoder: GPUCommandEncoder,
  pipeline: GPUComputePipeline,
  buffers: readonly GPUBuffer[],
  workgroups: readonly [number, number, number],
): void {
  const bindGroup = device.createBindGroup({
    layout: pipeline.getBindGroupLayout(0),
    entries: buffers.map((buffer, binding) => ({ binding, resource: { buffer } })),
  })
  const pass = encoder.beginComputePass()
  pass.setPipeline(pipeline)
  pass.setBindGroup(0, bindGroup)
  pass.dispatchWorkgroups(workgroups[0], workgroups[1], workgroups[2])
  pass.end()
}

/**
 * Runs one dispatch now (own command encoder, submitted at once).
 *
 * @example
 * runDispatch(device, pipeline, [params, input, output], [groups, 1, 1])
 */
export function runDispatch(
  device: GPUDevice,
  pipeline: GPUComputePipeline,
  buffers: readonly GPUBuffer[],
  workgroups: readonly [number, number, number],
): void {
  const encoder = device.createCommandEncoder()
  encodeDispatch(device, encoder, pipeline, buffers, workgroups)
  device.queue.submit([encoder.finish()])
}

/**
 * Splits `count` workgroups over x and y so neither exceeds the 65535 per-dimension limit.
 *
 * @example
 * grid(100_000) // [65535, 2, 1]; kernels recover the index as y · 65535 + x
 */
export function grid(count: number): [number, number, number] {
  if (count <= 65535) return [Math.max(1, count), 1, 1]
  return [65535, Math.ceil(count / 65535), 1]
}
