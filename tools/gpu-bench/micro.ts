import {
  encodeDispatch,
  getPipeline,
  type KvGpuContext,
  storageBuffer,
  uniformBuffer,
} from '../../packages/kernels-webgpu/src/index.js'

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
    const run = async () => {
      const enc = device.createCommandEncoder()
      for (let r = 0; r < 5; r++) encodeDispatch(device, enc, pipeline, [params, out], [threads / 256, 1, 1])
      const t0 = performance.now()
      device.queue.submit([enc.finish()])
      await device.queue.onSubmittedWorkDone()
      return (performance.now() - t0) / 5
    }
    await run()
    const ms = Math.min(await run(), await run())
    print({ micro: name, ms: +ms.toFixed(4), gops: +((threads * ops) / ms / 1e6).toFixed(0) })
  }
}
