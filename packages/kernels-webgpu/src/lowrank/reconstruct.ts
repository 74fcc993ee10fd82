import {
  encodeDispatch,
  grid,
  readBuffer,
  storageBuffer,
  uniformBuffer,
  uploadBuffer,
} from '../device/buffers.js'
import { getPipeline } from '../device/pipeline-cache.js'

const wgsl = (rank: number) => /* wgsl */ `
struct Params { rows: u32, cols: u32, pad0: u32, pad1: u32 }
@group(0) @binding(0) var<uniform> U: Params;
@group(0) @binding(1) var<storage, read> Deq: array<f32>;
@group(0) @binding(2) var<storage, read> A: array<f32>;
@group(0) @binding(3) var<storage, read> B: array<f32>;
@group(0) @binding(4) var<storage, read_write> Out: array<f32>;
const R: u32 = ${rank}u;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
  let i = gid.y * nw.x * 64u + gid.x;
  if (i >= U.rows * U.cols) { return; }
  let m = i / U.cols; let n = i % U.cols;
  var s = 0.0;
  for (var r = 0u; r < R; r++) { s += A[m * R + r] * B[n * R + r]; }
  Out[i] = Deq[i] + s;
}
`

function check(where: string, rows: number, cols: number, rank: number): void {
  for (const [name, value, min] of [
    ['rows', rows, 1],
    ['cols', cols, 1],
    ['rank', rank, 0],
  ] as const) {
    if (!Number.isInteger(value) || value < min)
      throw new RangeError(`${where}: ${name} must be an integer ≥ ${min}, got ${value}`)
  }
  if (rank > 64) throw new RangeError(`${where}: rank must be at most 64, got ${rank}`)
}

/**
 * Records GEAR's low-rank reconstruction `out = deq + A·Bᵀ` (deq `[rows, cols]`, A `[rows, rank]`,
 * B `[cols, rank]`, all float32 storage buffers; `out` may not alias the inputs).
 *
 * @example
 * encodeLowRankReconstruct(device, encoder, deq, a, b, out, 64, 128, 4)
 */
export function encodeLowRankReconstruct(
  device: GPUDevice,
  encoder: GPUCommandEncoder,
  deq: GPUBuffer,
  a: GPUBuffer,
  b: GPUBuffer,
  out: GPUBuffer,
  rows: number,
  cols: number,
  rank: number,
): void {
  check('encodeLowRankReconstruct', rows, cols, rank)
  const params = uniformBuffer(device, [{ u: rows }, { u: cols }, { u: 0 }, { u: 0 }])
  const pipeline = getPipeline(device, `lowRank:r${rank}`, () => wgsl(rank))
  encodeDispatch(device, encoder, pipeline, [params, deq, a, b, out], grid(Math.ceil((rows * cols) / 64)))
}

/**
 * CPU reference of {@link encodeLowRankReconstruct}, in float32 steps as the kernel sums.
 *
 * @example
 * const x = lowRankReconstructReference(deq, a, b, 64, 128, 4)
 */
export function lowRankReconstructReference(
  deq: Float32Array,
  a: Float32Array,
  b: Float32Array,
  rows: number,
  cols: number,
  rank: number,
): Float32Array {
  check('lowRankReconstructReference', rows, cols, rank)
  if (deq.length < rows * cols || a.length < rows * rank || b.length < cols * rank) {
    throw new RangeError(
      `lowRankReconstructReference: inputs shorter than [${rows}, ${cols}] with rank ${rank} needs`,
    )
  }
  const out = new Float32Array(rows * cols)
  for (let m = 0; m < rows; m++) {
    for (let n = 0; n < cols; n++) {
      let s = 0
      for (let r = 0; r < rank; r++) s = Math.fround(s + Math.fround(a[m * rank + r]! * b[n * rank + r]!))
      out[m * cols + n] = Math.fround(deq[m * cols + n]! + s)
    }
  }
  return out
}

/**
 * Uploads, reconstructs on the GPU and reads back `[rows, cols]`.
 *
 * @example
 * const x = await lowRankReconstructGpu(device, deq, a, b, 64, 128, 4)
 */
export async function lowRankReconstructGpu(
  device: GPUDevice,
  deq: Float32Array,
  a: Float32Array,
  b: Float32Array,
  rows: number,
  cols: number,
  rank: number,
): Promise<Float32Array> {
  check('lowRankReconstructGpu', rows, cols, rank)
  if (deq.length < rows * cols || a.length < rows * rank || b.length < cols * rank) {
    throw new RangeError(
      `lowRankReconstructGpu: inputs shorter than [${rows}, ${cols}] with rank ${rank} needs`,
    )
  }
  const bufs = [uploadBuffer(device, deq), uploadBuffer(device, a), uploadBuffer(device, b)] as const
  const out = storageBuffer(device, 4 * rows * cols)
  const encoder = device.createCommandEncoder()
  encodeLowRankReconstruct(device, encoder, bufs[0], bufs[1], bufs[2], out, rows, cols, rank)
  device.queue.submit([encoder.finish()])
  const result = new Float32Array(await readBuffer(device, out, 4 * rows * cols))
  for (const x of [...bufs, out]) x.destroy()
  return result
}
