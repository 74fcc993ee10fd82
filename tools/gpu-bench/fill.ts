import { encodeDispatch, getPipeline, grid, type PageLayout, uniformBuffer } from '@kv/kernels-webgpu'

/**
 * Fills a page pool on the GPU with pseudo-random keys and values in the page layout: random codes with
 * scale 1/64 and min −0.1 for q kinds, random halves in [−1, 1) for f16. The benchmark's caches are
 * gigabytes, too many to upload from the CPU.
 */
export function encodeFill(
  device: GPUDevice,
  encoder: GPUCommandEncoder,
  pool: GPUBuffer,
  layout: PageLayout,
  seed: number,
): void {
  const words = pool.size / 4
  const code = /* wgsl */ `
struct Params { words: u32, seed: u32, pad0: u32, pad1: u32 }
@group(0) @binding(0) var<uniform> U: Params;
@group(0) @binding(1) var<storage, read_write> PG: array<u32>;
fn hash(x: u32) -> u32 {
  var h = x * 0x9E3779B1u + U.seed;
  h ^= h >> 16u; h *= 0x85EBCA6Bu; h ^= h >> 13u; h *= 0xC2B2AE35u; h ^= h >> 16u;
  return h;
}
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
  let i = gid.y * nw.x * 256u + gid.x;
  if (i >= U.words) { return; }
  let o = i % ${layout.pageWords}u;
  let h = hash(i);
  ${
    layout.kind === 'f16'
      ? 'PG[i] = pack2x16float(vec2<f32>(f32(h & 0xFFFFu), f32(h >> 16u)) / 32768.0 - 1.0);'
      : `var w = h;
  if (o >= ${layout.keyScales}u && o < ${layout.keyMins}u) { w = bitcast<u32>(0.015625); }
  if (o >= ${layout.keyMins}u && o < ${layout.valueWords}u) { w = bitcast<u32>(-0.1); }
  if (o >= ${layout.valueScales}u && o < ${layout.valueMins}u) { w = bitcast<u32>(0.015625); }
  if (o >= ${layout.valueMins}u) { w = bitcast<u32>(-0.1); }
  PG[i] = w;`
  }
}`
  const pipeline = getPipeline(device, `benchFill:${layout.kind}:${layout.pageWords}`, () => code)
  const params = uniformBuffer(device, [{ u: words }, { u: seed }, { u: 0 }, { u: 0 }])
  encodeDispatch(device, encoder, pipeline, [params, pool], grid(Math.ceil(words / 256)))
}
