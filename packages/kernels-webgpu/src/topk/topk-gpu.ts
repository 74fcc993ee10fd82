import { topK } from '@kv/tensor'
import { encodeDispatch, readBuffer, storageBuffer, uniformBuffer, uploadBuffer } from '../device/buffers.js'
import { getPipeline } from '../device/pipeline-cache.js'

/**
 * Largest k the GPU top-k takes (one workgroup sorts its k winners by rank).
 *
 * @example
 * const k = Math.min(MAX_TOPK, budget)
 */
export const MAX_TOPK = 256

const WGSL = /* wgsl */ `
struct Params { rows: u32, n: u32, k: u32, stride: u32 }
@group(0) @binding(0) var<uniform> U: Params;
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read_write> Out: array<u32>;
var<workgroup> hist: array<atomic<u32>, 256>;
var<workgroup> chosen: array<u32, 256>;
var<workgroup> scan: array<u32, 256>;
var<workgroup> state: array<u32, 4>;   // prefix, need, above-count, taken-equal
var<workgroup> above: atomic<u32>;

// order key: larger float, larger key; // −0 counts as +0 (they tie on the CPU too)
fn key(x: f32) -> u32 {
  let b = bitcast<u32>(select(x, 0.0, x == 0.0));
  return select(b | 0x80000000u, ~b, (b >> 31u) == 1u);
}
fn before(i: u32, j: u32) -> bool {
  let a = key(X[i]); let b = key(X[j]);
  return a > b || (a == b && i < j);
}

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) tid: u32, @builtin(workgroup_id) wg: vec3<u32>) {
  let row = wg.x;
  let base = row * U.stride;
  if (tid == 0u) { state[0] = 0u; state[1] = U.k; state[2] = 0u; state[3] = 0u; atomicStore(&above, 0u); }
  var mask = 0u;
  // radix select, 8 bits a pass from the top: the key of the k-th largest value
  for (var step = 0u; step < 4u; step++) {
    let shift = 24u - 8u * step;
    atomicStore(&hist[tid], 0u);
    workgroupBarrier();
    let prefix = state[0];
    for (var i = tid; i < U.n; i += 256u) {
      let kk = key(X[base + i]);
      if ((kk & mask) == prefix) { atomicAdd(&hist[(kk >> shift) & 255u], 1u); }
    }
    workgroupBarrier();
    if (tid == 0u) {
      var need = state[1];
      var b = 255i;
      loop {
        let c = atomicLoad(&hist[u32(b)]);
        if (c >= need || b == 0i) { break; }
        need -= c; b -= 1i;
      }
      state[0] = prefix | (u32(b) << shift);
      state[1] = need;
    }
    mask |= 255u << shift;
    workgroupBarrier();
  }
  let t = workgroupUniformLoad(&state[0]);
  let needEq = workgroupUniformLoad(&state[1]);
  let nAbove = U.k - needEq;
  // everything above the threshold, in any order
  for (var i = tid; i < U.n; i += 256u) {
    if (key(X[base + i]) > t) { chosen[atomicAdd(&above, 1u)] = i; }
  }
  // values equal to the threshold: the lowest indices first, chunk by chunk with a prefix sum
  for (var c0 = 0u; c0 < U.n; c0 += 256u) {
    let i = c0 + tid;
    let eq = select(0u, 1u, i < U.n && key(X[base + i]) == t);
    scan[tid] = eq;
    workgroupBarrier();
    for (var off = 1u; off < 256u; off <<= 1u) {
      var add = 0u;
      if (tid >= off) { add = scan[tid - off]; }
      workgroupBarrier();
      scan[tid] += add;
      workgroupBarrier();
    }
    let taken = workgroupUniformLoad(&state[3]);
    let rank = taken + scan[tid] - eq;
    if (eq == 1u && rank < needEq) { chosen[nAbove + rank] = i; }
    workgroupBarrier();
    if (tid == 255u) { state[3] = taken + scan[255]; }
    workgroupBarrier();
  }
  workgroupBarrier();
  // rank sort of the k winners: larger value first, lower index on ties (as @kv/tensor's topK)
  if (tid < U.k) {
    let me = chosen[tid];
    var r = 0u;
    for (var j = 0u; j < U.k; j++) { if (before(base + chosen[j], base + me)) { r++; } }
    Out[row * U.k + r] = me;
  }
}
`

function check(where: string, rows: number, n: number, k: number): void {
  if (!Number.isInteger(rows) || rows < 1)
    throw new RangeError(`${where}: rows must be a positive integer, got ${rows}`)
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${where}: n must be a positive integer, got ${n}`)
  if (!Number.isInteger(k) || k < 1 || k > Math.min(n, MAX_TOPK)) {
    throw new RangeError(`${where}: k must be an integer in 1..${Math.min(n, MAX_TOPK)}, got ${k}`)
  }
}

/**
 * Records top-k of each row of a float32 buffer `[rows, stride]` (first `n` entries of each row) into
 * `out` (`[rows, k]` u32 indices, largest first, lower index on ties, as `@kv/tensor`'s `topK`): a radix
 * select of the k-th largest order key (4 passes of 8 bits, workgroup histograms), then the winners,
 * ranked. One workgroup per row. Values must not be NaN.
 *
 * @example
 * encodeTopK(device, encoder, scores, out, { rows: 8, n: 4096, k: 64 })
 */
export function encodeTopK(
  device: GPUDevice,
  encoder: GPUCommandEncoder,
  values: GPUBuffer,
  out: GPUBuffer,
  shape: { rows: number; n: number; k: number; stride?: number },
): void {
  check('encodeTopK', shape.rows, shape.n, shape.k)
  const stride = shape.stride ?? shape.n
  const params = uniformBuffer(device, [{ u: shape.rows }, { u: shape.n }, { u: shape.k }, { u: stride }])
  encodeDispatch(
    device,
    encoder,
    getPipeline(device, 'topK', () => WGSL),
    [params, values, out],
    [shape.rows, 1, 1],
  )
}

/**
 * Top-k of each of `rows` rows of `values` (`[rows, n]`) on the GPU: `[rows, k]` indices per row.
 *
 * @example
 * const idx = await topKGpu(device, scores, 8, 4096, 64)
 */
export async function topKGpu(
  device: GPUDevice,
  values: Float32Array,
  rows: number,
  n: number,
  k: number,
): Promise<Int32Array> {
  check('topKGpu', rows, n, k)
  if (values.length < rows * n)
    throw new RangeError(`topKGpu: values holds ${values.length} floats, need ${rows * n}`)
  for (let i = 0; i < rows * n; i++)
    if (Number.isNaN(values[i]!)) throw new RangeError(`topKGpu: values[${i}] is NaN`)
  const input = uploadBuffer(device, values)
  const out = storageBuffer(device, 4 * rows * k)
  const encoder = device.createCommandEncoder()
  encodeTopK(device, encoder, input, out, { rows, n, k })
  device.queue.submit([encoder.finish()])
  const result = new Int32Array(await readBuffer(device, out, 4 * rows * k))
  input.destroy()
  out.destroy()
  return result
}

/**
 * CPU reference of {@link topKGpu}: `@kv/tensor`'s `topK` row by row.
 *
 * @example
 * topKReference(scores, 8, 4096, 64)
 */
export function topKReference(values: Float32Array, rows: number, n: number, k: number): Int32Array {
  check('topKReference', rows, n, k)
  const out = new Int32Array(rows * k)
  for (let r = 0; r < rows; r++) out.set(topK(values.subarray(r * n, (r + 1) * n), k), r * k)
  return out
}
