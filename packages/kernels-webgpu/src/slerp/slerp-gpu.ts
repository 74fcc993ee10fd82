import {
  encodeDispatch,
  grid,
  readBuffer,
  storageBuffer,
  uniformBuffer,
  uploadBuffer,
} from '../device/buffers.js'
import { getPipeline } from '../device/pipeline-cache.js'

/**
 * Below this angle (radians) SLERP interpolates linearly (as MiniCache's CPU SLERP).
 *
 * @example
 * if (angle < SLERP_NEAR_PARALLEL) console.log('merged linearly')
 */
export const SLERP_NEAR_PARALLEL = 1e-4

const WGSL = /* wgsl */ `
struct Params { rows: u32, dim: u32, t: f32, pad: u32 }
@group(0) @binding(0) var<uniform> U: Params;
@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read> B: array<f32>;
@group(0) @binding(3) var<storage, read_write> Out: array<f32>;
@group(0) @binding(4) var<storage, read_write> Angle: array<f32>;
var<workgroup> red: array<vec3<f32>, 64>;

@compute @workgroup_size(64)
fn main(@builtin(local_invocation_index) tid: u32, @builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
  let row = wg.y * nw.x + wg.x;
  if (row >= U.rows) { return; }
  let o = row * U.dim;
  // ‖a + b‖², ‖a − b‖²: the angle as 2·atan2(‖a − b‖, ‖a + b‖) stays accurate near 0 and π
  var acc = vec3<f32>(0.0);
  for (var i = tid; i < U.dim; i += 64u) {
    let x = A[o + i]; let y = B[o + i];
    acc += vec3<f32>((x + y) * (x + y), (x - y) * (x - y), 0.0);
  }
  red[tid] = acc;
  workgroupBarrier();
  for (var s = 32u; s > 0u; s >>= 1u) {
    if (tid < s) { red[tid] += red[tid + s]; }
    workgroupBarrier();
  }
  let angle = 2.0 * atan2(sqrt(red[0].y), sqrt(red[0].x));
  var wa = 1.0 - U.t; var wb = U.t;
  if (angle >= ${SLERP_NEAR_PARALLEL}) {
    let s = sin(angle);
    wa = sin((1.0 - U.t) * angle) / s; wb = sin(U.t * angle) / s;
  }
  var norm = 0.0;
  for (var i = tid; i < U.dim; i += 64u) { let m = wa * A[o + i] + wb * B[o + i]; norm += m * m; }
  workgroupBarrier();
  red[tid] = vec3<f32>(norm, 0.0, 0.0);
  workgroupBarrier();
  for (var s = 32u; s > 0u; s >>= 1u) {
    if (tid < s) { red[tid] += red[tid + s]; }
    workgroupBarrier();
  }
  let inv = select(0.0, 1.0 / sqrt(red[0].x), red[0].x > 0.0);
  for (var i = tid; i < U.dim; i += 64u) { Out[o + i] = (wa * A[o + i] + wb * B[o + i]) * inv; }
  if (tid == 0u) { Angle[row] = angle; }
}
`

function check(where: string, rows: number, dim: number, t: number): void {
  if (!Number.isInteger(rows) || rows < 1)
    throw new RangeError(`${where}: rows must be a positive integer, got ${rows}`)
  if (!Number.isInteger(dim) || dim < 1)
    throw new RangeError(`${where}: dim must be a positive integer, got ${dim}`)
  if (!(t >= 0 && t <= 1)) throw new RangeError(`${where}: t must be in [0, 1], got ${t}`)
}

/**
 * Records SLERP of two arrays of unit directions (`[rows, dim]` float32 each) into `out` (unit rows) and
 * `angles` (`[rows]`, radians), MiniCache's merge of adjacent layers: `sin((1−t)θ)/sin θ · a + sin(tθ)/sin θ
 * · b`, renormalised; linear below {@link SLERP_NEAR_PARALLEL}. Exactly opposite rows (θ = π) have no
 * defined arc and come out as the normalised chord (possibly zero): MiniCache retains such tokens unmerged.
 *
 * @example
 * encodeSlerp(device, encoder, a, b, out, angles, { rows: 4096, dim: 128, t: 0.6 })
 */
export function encodeSlerp(
  device: GPUDevice,
  encoder: GPUCommandEncoder,
  a: GPUBuffer,
  b: GPUBuffer,
  out: GPUBuffer,
  angles: GPUBuffer,
  shape: { rows: number; dim: number; t: number },
): void {
  check('encodeSlerp', shape.rows, shape.dim, shape.t)
  const params = uniformBuffer(device, [{ u: shape.rows }, { u: shape.dim }, shape.t, { u: 0 }])
  encodeDispatch(
    device,
    encoder,
    getPipeline(device, 'slerp', () => WGSL),
    [params, a, b, out, angles],
    grid(shape.rows),
  )
}

/**
 * SLERP on the GPU with read-back: `{ out: [rows, dim], angles: [rows] }`.
 *
 * @example
 * const { out } = await slerpGpu(device, a, b, 4096, 128, 0.6)
 */
export async function slerpGpu(
  device: GPUDevice,
  a: Float32Array,
  b: Float32Array,
  rows: number,
  dim: number,
  t: number,
): Promise<{ out: Float32Array; angles: Float32Array }> {
  check('slerpGpu', rows, dim, t)
  if (a.length < rows * dim || b.length < rows * dim)
    throw new RangeError(`slerpGpu: a and b need ${rows * dim} floats`)
  const bufs = [uploadBuffer(device, a), uploadBuffer(device, b)] as const
  const out = storageBuffer(device, 4 * rows * dim)
  const angles = storageBuffer(device, 4 * rows)
  const encoder = device.createCommandEncoder()
  encodeSlerp(device, encoder, bufs[0], bufs[1], out, angles, { rows, dim, t })
  device.queue.submit([encoder.finish()])
  const [o, g] = await Promise.all([
    readBuffer(device, out, 4 * rows * dim),
    readBuffer(device, angles, 4 * rows),
  ])
  for (const x of [...bufs, out, angles]) x.destroy()
  return { out: new Float32Array(o), angles: new Float32Array(g) }
}

/**
 * CPU reference of {@link slerpGpu} in float64.
 *
 * @example
 * slerpReference(a, b, 4096, 128, 0.6)
 */
export function slerpReference(
  a: Float32Array,
  b: Float32Array,
  rows: number,
  dim: number,
  t: number,
): { out: Float32Array; angles: Float32Array } {
  check('slerpReference', rows, dim, t)
  const out = new Float32Array(rows * dim)
  const angles = new Float32Array(rows)
  const m = new Float64Array(dim)
  for (let r = 0; r < rows; r++) {
    const o = r * dim
    let sum = 0
    let diff = 0
    for (let i = 0; i < dim; i++) {
      const x = a[o + i]!
      const y = b[o + i]!
      sum += (x + y) * (x + y)
      diff += (x - y) * (x - y)
    }
    const angle = 2 * Math.atan2(Math.sqrt(diff), Math.sqrt(sum))
    let wa = 1 - t
    let wb = t
    if (angle >= SLERP_NEAR_PARALLEL) {
      wa = Math.sin((1 - t) * angle) / Math.sin(angle)
      wb = Math.sin(t * angle) / Math.sin(angle)
    }
    let norm = 0
    for (let i = 0; i < dim; i++) {
      m[i] = wa * a[o + i]! + wb * b[o + i]!
      norm += m[i]! * m[i]!
    }
    const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0
    for (let i = 0; i < dim; i++) out[o + i] = m[i]! * inv
    angles[r] = angle
  }
  return { out, angles }
}
