import {
  packedWords,
  type QuantizedBlock,
  type QuantizeOptions,
  quantizeAffine,
  scaleCount,
} from '@kv/tensor'
import {
  encodeDispatch,
  grid,
  readBuffer,
  storageBuffer,
  uniformBuffer,
  uploadBuffer,
} from '../device/buffers.js'
import { getPipeline } from '../device/pipeline-cache.js'
import { dequantWgsl, type QuantConstants, quantCodesWgsl, quantScalesWgsl } from './quant-wgsl.js'

const WG = 64

/** A block quantized on the GPU: the layout of `@kv/tensor`'s `QuantizedBlock`, in GPU buffers. */
export interface GpuQuantizedBlock {
  readonly rows: number
  readonly cols: number
  readonly bits: number
  readonly groupSize: number
  readonly axis: QuantizeOptions['axis']
  /** Packed codes, `packedWords(rows · cols, bits)` u32 words. */
  readonly codes: GPUBuffer
  /** Float32 scales, `scaleCount(rows, cols, groupSize, axis)` of them. */
  readonly scales: GPUBuffer
  /** Float32 minimums, one per group. */
  readonly mins: GPUBuffer
}

function constants(where: string, rows: number, cols: number, o: QuantizeOptions): QuantConstants {
  // Validates exactly as the CPU does (bits, groupSize, axis, shape) by running it on an empty block.
  quantizeAffine(new Float32Array(0), 0, cols, o)
  if (!Number.isInteger(rows) || rows < 0)
    throw new RangeError(`${where}: rows must be a non-negative integer, got ${rows}`)
  return { bits: o.bits, groupSize: o.groupSize, axis: o.axis, workgroupSize: WG }
}

function key(name: string, c: QuantConstants): string {
  return `${name}:b${c.bits}:g${c.groupSize}:${c.axis}:w${c.workgroupSize}`
}

/**
 * Records the quantization of a row-major `[rows, cols]` float32 buffer into `encoder` (two dispatches:
 * scales, then codes). Bit-exact with `quantizeAffine` of `@kv/tensor`. The input must be finite (the
 * GPU cannot throw; {@link quantizeAffineGpu} checks on the CPU first).
 *
 * @example
 * const q = encodeQuantizeAffine(device, encoder, input, 64, 128, { bits: 4, groupSize: 32, axis: 'column' })
 */
export function encodeQuantizeAffine(
  device: GPUDevice,
  encoder: GPUCommandEncoder,
  input: GPUBuffer,
  rows: number,
  cols: number,
  options: QuantizeOptions,
): GpuQuantizedBlock {
  const c = constants('encodeQuantizeAffine', rows, cols, options)
  const groups = scaleCount(rows, cols, options.groupSize, options.axis)
  const words = packedWords(rows * cols, options.bits)
  const params = uniformBuffer(device, [{ u: rows }, { u: cols }, { u: groups }, { u: words }, { u: 0 }])
  const scales = storageBuffer(device, 4 * groups)
  const mins = storageBuffer(device, 4 * groups)
  const codes = storageBuffer(device, 4 * words)
  const pScales = getPipeline(device, key('quantScales', c), () => quantScalesWgsl(c))
  const pCodes = getPipeline(device, key('quantCodes', c), () => quantCodesWgsl(c))
  encodeDispatch(device, encoder, pScales, [params, input, scales, mins], grid(Math.ceil(groups / WG)))
  encodeDispatch(device, encoder, pCodes, [params, input, scales, mins, codes], grid(Math.ceil(words / WG)))
  return { rows, cols, bits: c.bits, groupSize: c.groupSize, axis: c.axis, codes, scales, mins }
}

/**
 * Records dequantization of a GPU block into `out` (`rows · cols` float32): `fma(scale, code, min)`.
 *
 * @example
 * encodeDequantizeAffine(device, encoder, q, outBuffer)
 */
export function encodeDequantizeAffine(
  device: GPUDevice,
  encoder: GPUCommandEncoder,
  block: GpuQuantizedBlock,
  out: GPUBuffer,
): void {
  const c = constants('encodeDequantizeAffine', block.rows, block.cols, block)
  const n = block.rows * block.cols
  const groups = scaleCount(block.rows, block.cols, block.groupSize, block.axis)
  const params = uniformBuffer(device, [
    { u: block.rows },
    { u: block.cols },
    { u: groups },
    { u: 0 },
    { u: 0 },
  ])
  const p = getPipeline(device, key('dequant', c), () => dequantWgsl(c))
  encodeDispatch(
    device,
    encoder,
    p,
    [params, block.codes, block.scales, block.mins, out],
    grid(Math.ceil(n / WG)),
  )
}

function checkFinite(where: string, data: Float32Array): void {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i]!))
      throw new RangeError(`${where}: data[${i}] is ${data[i]}; only finite values can be quantized`)
  }
}

/**
 * Quantizes on the GPU and reads the block back; the same result, bit for bit, as `quantizeAffine`.
 *
 * @example
 * const q = await quantizeAffineGpu(device, keys, 64, 128, { bits: 2, groupSize: 32, axis: 'column' })
 */
export async function quantizeAffineGpu(
  device: GPUDevice,
  data: Float32Array,
  rows: number,
  cols: number,
  options: QuantizeOptions,
): Promise<QuantizedBlock> {
  constants('quantizeAffineGpu', rows, cols, options)
  if (rows * cols !== data.length) {
    throw new RangeError(
      `quantizeAffineGpu: rows × cols = ${rows * cols} disagrees with data length ${data.length}`,
    )
  }
  checkFinite('quantizeAffineGpu', data)
  if (options.bits === 1) quantizeAffine(data, rows, cols, options) // throws where a 1-bit scale overflows
  const input = uploadBuffer(device, data)
  const encoder = device.createCommandEncoder()
  const q = encodeQuantizeAffine(device, encoder, input, rows, cols, options)
  device.queue.submit([encoder.finish()])
  const groups = scaleCount(rows, cols, options.groupSize, options.axis)
  const words = packedWords(rows * cols, options.bits)
  const [codes, scales, mins] = await Promise.all([
    readBuffer(device, q.codes, 4 * words),
    readBuffer(device, q.scales, 4 * groups),
    readBuffer(device, q.mins, 4 * groups),
  ])
  for (const b of [input, q.codes, q.scales, q.mins]) b.destroy()
  return {
    ...options,
    rows,
    cols,
    codes: new Uint32Array(codes),
    scales: new Float32Array(scales),
    mins: new Float32Array(mins),
  }
}

/**
 * Uploads a `QuantizedBlock`, dequantizes it on the GPU and reads the floats back.
 *
 * @example
 * const x = await dequantizeAffineGpu(device, quantizeAffine(v, 16, 64, { bits: 4, groupSize: 32, axis: 'row' }))
 */
export async function dequantizeAffineGpu(device: GPUDevice, q: QuantizedBlock): Promise<Float32Array> {
  const n = q.rows * q.cols
  const words = packedWords(n, q.bits)
  const groups = scaleCount(q.rows, q.cols, q.groupSize, q.axis)
  if (q.codes.length < words || q.scales.length < groups || q.mins.length < groups) {
    throw new RangeError(
      `dequantizeAffineGpu: block arrays are shorter than its shape [${q.rows}, ${q.cols}] needs`,
    )
  }
  const block: GpuQuantizedBlock = {
    ...q,
    codes: uploadBuffer(device, q.codes),
    scales: uploadBuffer(device, q.scales),
    mins: uploadBuffer(device, q.mins),
  }
  const out = storageBuffer(device, 4 * n)
  const encoder = device.createCommandEncoder()
  encodeDequantizeAffine(device, encoder, block, out)
  device.queue.submit([encoder.finish()])
  const result = new Float32Array(await readBuffer(device, out, 4 * n))
  for (const b of [block.codes, block.scales, block.mins, out]) b.destroy()
  return result
}
