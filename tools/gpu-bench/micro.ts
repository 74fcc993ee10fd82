import {
  createDecodeAttention,
  encodeDispatch,
  getPipeline,
  grid,
  type KvGpuContext,
  reduceWgsl,
  storageBuffer,
  uniformBuffer,
  uploadBuffer,
} from '@kv/kernels-webgpu'
import { encodeFill } from './fill.js'
import { callTimer } from './timing.js'

/**
 * Throughput of one operation on this GPU: 8 interleaved chains of `ops` steps per invocation. Prints
 * giga-operations per second for a float32 FMA, `dot4I8Packed`, `dot4U8Packed` and a shift-and-mask.
 */
export async function microbench(
  ctx: KvGpuContext,
  print: (r: Record<string, unknown>) => void,
): Promise<void> {
  const device = ctx.device
  const steps: Record<string, { decl: string; step: (a: string, b: string) => string; out: string }> = {
    fma: {
      decl: 'var x{i} = f32(gid.x + {i}u) * 1e-9;',
      step: (a, b) => `${a} = fma(${b}, 0.999, ${a});`,
      out: 'bitcast<u32>(x{i})',
    },
    dot4I8: {
      decl: 'var x{i} = i32(gid.x + {i}u);',
      step: (a, b) => `${a} += dot4I8Packed(bitcast<u32>(${b}), 0x01020304u);`,
      out: 'bitcast<u32>(x{i})',
    },
    dot4U8: {
      decl: 'var x{i} = gid.x + {i}u;',
      step: (a, b) => `${a} += dot4U8Packed(${b}, 0x01020304u);`,
      out: 'x{i}',
    },
    shiftMask: {
      decl: 'var x{i} = gid.x + {i}u;',
      step: (a, b) => `${a} += (${b} >> 4u) & 0x0F0F0F0Fu;`,
      out: 'x{i}',
    },
  }
  const ops = 1024
  const threads = 132 * 2048 * 4
  const timer = callTimer(ctx)
  const out = storageBuffer(device, 4 * threads)
  for (const [name, s] of Object.entries(steps)) {
    const chain = Array.from({ length: 8 }, (_, i) => s.step(`x${i}`, `x${(i + 1) % 8}`)).join(' ')
    const code = /* wgsl */ `
struct Params { n: u32, a: u32, b: u32, c: u32 }
@group(0) @binding(0) var<uniform> U: Params;
@group(0) @binding(1) var<storage, read_write> O: array<u32>;
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  ${Array.from({ length: 8 }, (_, i) => s.decl.replaceAll('{i}', String(i))).join('\n  ')}
  for (var k = 0u; k < U.n; k++) { ${chain} }
  O[gid.x] = ${Array.from({ length: 8 }, (_, i) => s.out.replaceAll('{i}', String(i))).join(' ^ ')};
}`
    const pipeline = getPipeline(device, `micro:${name}`, () => code)
    const params = uniformBuffer(device, [{ u: ops / 8 }, { u: 0 }, { u: 0 }, { u: 0 }])
    const dispatch = (enc: GPUCommandEncoder) =>
      encodeDispatch(device, enc, pipeline, [params, out], [threads / 256, 1, 1])
    const ms = (await timer.best(dispatch, 5, 5)).wall
    print({ micro: name, ms: +ms.toFixed(4), gops: +((threads * ops) / ms / 1e6).toFixed(0) })
  }
  timer.destroy()
}

/** GPU time of the reduce kernel alone and of an empty dispatch, per call (the floor under attention). */
export async function floors(ctx: KvGpuContext, print: (r: Record<string, unknown>) => void): Promise<void> {
  const device = ctx.device
  const timer = callTimer(ctx)
  const time = async (label: string, encode: (enc: GPUCommandEncoder) => void) => {
    print({ floor: label, ms: +(await timer.best(encode, 3, 100)).wall.toFixed(4) })
  }
  const rows = 128
  const D = 128
  for (const splits of [8, 32, 128]) {
    const acc = storageBuffer(device, rows * splits * D * 16)
    const ml = storageBuffer(device, rows * splits * 2 * 16)
    const out = storageBuffer(device, rows * 4 * D * 4)
    const lse = storageBuffer(device, rows * 4 * 4)
    const reduce = getPipeline(device, `attnReduce:d${D}:qv1`, () => reduceWgsl({ headDim: D, qv: 1 }))
    const params = uniformBuffer(device, [{ u: rows }, { u: splits }, { u: 4 }, { u: 0 }])
    await time(`reduce splits ${splits}`, (enc) =>
      encodeDispatch(device, enc, reduce, [params, acc, ml, out, lse], grid(rows)),
    )
    await time(`reduce splits ${splits}, new uniform each call`, (enc) => {
      const p = uniformBuffer(device, [{ u: rows }, { u: splits }, { u: 4 }, { u: 0 }])
      encodeDispatch(device, enc, reduce, [p, acc, ml, out, lse], grid(rows))
    })
    for (const b of [acc, ml, out, lse]) b.destroy()
  }
  const out = storageBuffer(device, 16)
  const empty = getPipeline(
    device,
    'micro:empty',
    () => `
@group(0) @binding(0) var<storage, read_write> O: array<u32>;
@compute @workgroup_size(128)
fn main(@builtin(local_invocation_index) tid: u32, @builtin(workgroup_id) wg: vec3<u32>) {
  if (tid == 12345u) { O[0] = wg.x; }
}`,
  )
  await time('empty 4096 workgroups of 128', (enc) => encodeDispatch(device, enc, empty, [out], [32, 8, 16]))
  const shared = getPipeline(
    device,
    'micro:shared',
    () => `
@group(0) @binding(0) var<storage, read_write> O: array<u32>;
var<workgroup> big: array<vec4<f32>, 2560>;
@compute @workgroup_size(128)
fn main(@builtin(local_invocation_index) tid: u32, @builtin(workgroup_id) wg: vec3<u32>) {
  big[tid] = vec4<f32>(f32(tid));
  workgroupBarrier();
  if (tid == 12345u) { O[0] = u32(big[wg.x % 128u].x); }
}`,
  )
  await time('4096 workgroups with 40 KB of workgroup memory', (enc) =>
    encodeDispatch(device, enc, shared, [out], [32, 8, 16]),
  )
  timer.destroy()
}

/**
 * Time of one attention call against its number of workgroups (8 pages each, batch 1 × 8 KV heads): the
 * time steps up every time the workgroups outgrow what the GPU runs at once, which shows the occupancy.
 */
export async function occupancy(
  ctx: KvGpuContext,
  print: (r: Record<string, unknown>) => void,
): Promise<void> {
  const device = ctx.device
  const timer = callTimer(ctx)
  for (const arithmetic of ['float32', 'int8'] as const) {
    for (const splits of [8, 16, 33, 66, 99, 132, 198, 264]) {
      const tokens = 1024 * splits
      const attn = createDecodeAttention(ctx, {
        headDim: 128,
        kvHeads: 8,
        queryHeadsPerKv: 4,
        kind: 'q4',
        groupSize: 128,
        maxTokens: tokens,
        targetWorkgroups: 8 * splits,
        arithmetic,
        maxPagesPerSplit: 8,
      })
      attn.reserve(0, tokens)
      const fill = device.createCommandEncoder()
      encodeFill(device, fill, attn.pool, attn.layout, 5)
      device.queue.submit([fill.finish()])
      const q = uploadBuffer(device, new Float32Array(32 * 128).fill(0.05))
      const out = storageBuffer(device, 4 * 32 * 128)
      const lse = storageBuffer(device, 4 * 32)
      const ms = (await timer.best((enc) => attn.encode(enc, q, out, lse), 3, 50)).wall
      print({
        occupancy: arithmetic,
        workgroups: 8 * attn.splitPlan().splits,
        pagesPerSplit: attn.splitPlan().pagesPerSplit,
        ms: +ms.toFixed(4),
      })
      for (const b of [q, out, lse]) b.destroy()
      attn.destroy()
    }
  }
  timer.destroy()
}

/**
 * Whether workgroups share an SM: a latency-bound kernel (a chain of dependent loads per invocation) timed
 * against its number of workgroups, with 0 to 40 KB of workgroup memory. Flat times up to N
 * workgroups mean N run at once.
 */
export async function concurrency(
  ctx: KvGpuContext,
  print: (r: Record<string, unknown>) => void,
): Promise<void> {
  const device = ctx.device
  const timer = callTimer(ctx)
  const n = 1 << 16
  const chain = new Uint32Array(n).map((_, i) => (i * 7919 + 13) % n)
  const buf = uploadBuffer(device, chain)
  const out = storageBuffer(device, 4 * 2112 * 256)
  for (const kb of [0, 8, 16, 24, 40]) {
    const label = `${kb} KB shared`
    const decl = kb === 0 ? '' : `var<workgroup> big: array<vec4<u32>, ${kb * 64}>;`
    const use = kb === 0 ? '' : 'big[tid] = vec4<u32>(i); workgroupBarrier(); i += big[(tid + 1u) % 128u].x;'
    const pipeline = getPipeline(
      device,
      `micro:chase:${label}`,
      () => `
@group(0) @binding(0) var<storage, read> C: array<u32>;
@group(0) @binding(1) var<storage, read_write> O: array<u32>;
${decl}
@compute @workgroup_size(128)
fn main(@builtin(local_invocation_index) tid: u32, @builtin(workgroup_id) wg: vec3<u32>) {
  var i = (wg.x * 128u + tid) % ${n}u;
  for (var k = 0u; k < 256u; k++) { i = C[i]; }
  ${use}
  O[wg.x * 128u + tid] = i;
}`,
    )
    for (const wgs of [132, 264, 528, 1056, 2112]) {
      const { wall } = await timer.best(
        (enc) => encodeDispatch(device, enc, pipeline, [buf, out], [wgs, 1, 1]),
        3,
        30,
      )
      print({ concurrency: label, workgroups: wgs, ms: +wall.toFixed(4) })
    }
  }
  timer.destroy()
}

/**
 * What Dawn lets a plain kernel read per second: every invocation sums 16-byte loads of a 1 GiB buffer in a
 * grid-stride loop (4 independent loads per iteration), for several workgroup counts, timed by GPU
 * timestamps. The ceiling against which the attention kernels' bandwidth is judged on this stack.
 */
export async function readCeiling(
  ctx: KvGpuContext,
  print: (r: Record<string, unknown>) => void,
): Promise<void> {
  const device = ctx.device
  const bytes = 1 << 30
  const data = storageBuffer(device, bytes)
  const out = storageBuffer(device, 4 * 65536)
  const timer = callTimer(ctx)
  const pipeline = getPipeline(
    device,
    'micro:read',
    () => `
@group(0) @binding(0) var<storage, read> X: array<vec4<u32>>;
@group(0) @binding(1) var<storage, read_write> O: array<u32>;
@compute @workgroup_size(128)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
  let stride = nw.x * 128u;
  let n = arrayLength(&X);
  var a = vec4<u32>(0u); var b = vec4<u32>(0u); var c = vec4<u32>(0u); var d = vec4<u32>(0u);
  var i = gid.x;
  for (; i + 3u * stride < n; i += 4u * stride) {
    a ^= X[i]; b ^= X[i + stride]; c ^= X[i + 2u * stride]; d ^= X[i + 3u * stride];
  }
  for (; i < n; i += stride) { a ^= X[i]; }
  let s = a ^ b ^ c ^ d;
  if ((s.x ^ s.y ^ s.z ^ s.w) == 0x9e3779b9u) { O[gid.x % 65536u] = 1u; }
}`,
  )
  for (const workgroups of [528, 1056, 2112, 4224, 8448]) {
    const ms = (
      await timer.best(
        (enc) => encodeDispatch(device, enc, pipeline, [data, out], [workgroups, 1, 1]),
        20,
        50,
      )
    ).gpu
    print({
      readCeiling: 'webgpu',
      workgroups,
      bytes,
      ms: +ms.toFixed(4),
      GBps: +(bytes / ms / 1e6).toFixed(1),
    })
  }
  for (const b of [data, out]) b.destroy()
  timer.destroy()
}
