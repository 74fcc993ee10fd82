import { encodeDispatch, grid, readBuffer, uniformBuffer, uploadBuffer } from '../device/buffers.js'
import { getPipeline } from '../device/pipeline-cache.js'

/** Shape of a score accumulation: `acc[h][t] = decay · acc[h][t] + Σ_j weights[h · group + j][t]`. */
export interface AccumulateShape {
  /** Accumulator rows (KV heads). */
  readonly rows: number
  /** Slots per row (tokens held). */
  readonly slots: number
  /** Weight rows summed into each accumulator row (query heads per KV head). */
  readonly group: number
  /** Row stride of `weights` and `acc` in floats (default `slots`). */
  readonly stride?: number
  /** Factor applied to the old accumulator first (1 = plain sum, H2O; < 1 = exponential moving sum). */
  readonly decay?: number
}

function check(where: string, s: AccumulateShape): number {
  for (const [name, value] of [
    ['rows', s.rows],
    ['slots', s.slots],
    ['group', s.group],
  ] as const) {
    if (!Number.isInteger(value) || value < 1)
      throw new RangeError(`${where}: ${name} must be a positive integer, got ${value}`)
  }
  const stride = s.stride ?? s.slots
  if (!Number.isInteger(stride) || stride < s.slots) {
    throw new RangeError(`${where}: stride must be an integer ≥ slots ${s.slots}, got ${stride}`)
  }
  const decay = s.decay ?? 1
  if (!Number.isFinite(decay) || decay < 0 || decay > 1)
    throw new RangeError(`${where}: decay must be in [0, 1], got ${decay}`)
  return stride
}

const WGSL = /* wgsl */ `
struct Params { rows: u32, slots: u32, group: u32, stride: u32, decay: f32 }
@group(0) @binding(0) var<uniform> U: Params;
@group(0) @binding(1) var<storage, read> Wt: array<f32>;
@group(0) @binding(2) var<storage, read_write> Acc: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
  let i = gid.y * nw.x * 64u + gid.x;
  if (i >= U.rows * U.slots) { return; }
  let r = i / U.slots; let t = i % U.slots;
  var sum = 0.0;
  for (var j = 0u; j < U.group; j++) { sum += Wt[(r * U.group + j) * U.stride + t]; }
  let a = r * U.stride + t;
  Acc[a] = U.decay * Acc[a] + sum;
}
`

/**
 * Records the accumulation of one step's attention weights into per-slot scores (H2O's accumulated
 * attention): weights `[rows · group, stride]` (e.g. the weights `DecodeAttention` writes), acc
 * `[rows, stride]`, both float32 storage buffers.
 *
 * @example
 * encodeAccumulateScores(device, encoder, weights, acc, { rows: 8, slots: 4096, group: 4 })
 */
export function encodeAccumulateScores(
  device: GPUDevice,
  encoder: GPUCommandEncoder,
  weights: GPUBuffer,
  acc: GPUBuffer,
  shape: AccumulateShape,
): void {
  const stride = check('encodeAccumulateScores', shape)
  const params = uniformBuffer(device, [
    { u: shape.rows },
    { u: shape.slots },
    { u: shape.group },
    { u: stride },
    shape.decay ?? 1,
  ])
  const pipeline = getPipeline(device, 'accumulateScores', () => WGSL)
  encodeDispatch(
    device,
    encoder,
    pipeline,
    [params, weights, acc],
    grid(Math.ceil((shape.rows * shape.slots) / 64)),
  )
}

/**
 * CPU reference of {@link encodeAccumulateScores} (in place on `acc`).
 *
 * @example
 * accumulateScoresReference(weights, acc, { rows: 2, slots: 10, group: 4 })
 */
export function accumulateScoresReference(
  weights: Float32Array,
  acc: Float32Array,
  shape: AccumulateShape,
): void {
  const stride = check('accumulateScoresReference', shape)
  const decay = Math.fround(shape.decay ?? 1)
  if (weights.length < shape.rows * shape.group * stride || acc.length < shape.rows * stride) {
    throw new RangeError('accumulateScoresReference: weights or acc shorter than the shape needs')
  }
  for (let r = 0; r < shape.rows; r++) {
    for (let t = 0; t < shape.slots; t++) {
      let sum = 0
      for (let j = 0; j < shape.group; j++)
        sum = Math.fround(sum + weights[(r * shape.group + j) * stride + t]!)
      const a = r * stride + t
      acc[a] = Math.fround(Math.fround(decay * acc[a]!) + sum)
    }
  }
}

/**
 * Uploads, accumulates on the GPU and reads the new accumulator back.
 *
 * @example
 * const next = await accumulateScoresGpu(device, weights, acc, { rows: 8, slots: 100, group: 4 })
 */
export async function accumulateScoresGpu(
  device: GPUDevice,
  weights: Float32Array,
  acc: Float32Array,
  shape: AccumulateShape,
): Promise<Float32Array> {
  const stride = check('accumulateScoresGpu', shape)
  if (weights.length < shape.rows * shape.group * stride || acc.length < shape.rows * stride) {
    throw new RangeError('accumulateScoresGpu: weights or acc shorter than the shape needs')
  }
  const w = uploadBuffer(device, weights)
  const a = uploadBuffer(device, acc)
  const encoder = device.createCommandEncoder()
  encodeAccumulateScores(device, encoder, w, a, shape)
  device.queue.submit([encoder.finish()])
  const out = new Float32Array(await readBuffer(device, a, acc.byteLength))
  w.destroy()
  a.destroy()
  return out
}
