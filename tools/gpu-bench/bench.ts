/**
 * Decode-attention benchmark of @kv/kernels-webgpu on a real GPU (Node.js + Dawn + Vulkan): batch × KV
 * heads × query heads per KV head × head dim at several context lengths, float16 and 4/2-bit packed
 * caches. Prints one JSON line per measurement. Usage: node bench.mjs [tokens,...] [batch]
 */
import {
  type AttentionArithmetic,
  type CacheKind,
  createDecodeAttention,
  decodeAttentionReference,
  decodePage,
  type KvGpuContext,
  pageLayout,
  requestDevice,
  storageBuffer,
  uploadBuffer,
} from '@kv/kernels-webgpu'
import { encodeFill } from './fill.js'
import { concurrency, floors, microbench, occupancy, readCeiling } from './micro.js'
import { callTimer } from './timing.js'

const lengths = (process.argv[2] ?? '8192,32768,131072').split(',').map(Number)
const BATCH = Number(process.argv[3] ?? 16)
const KV = 8
const QPK = 4
const D = 128
const ITERS = Number(process.env.BENCH_ITERS ?? 20)

/** While true (the warm-up), measurements are not printed. */
let quiet = false

function print(record: Record<string, unknown>): void {
  if (!quiet) console.log(JSON.stringify(record))
}

/** Sanity check on this GPU: a small cache against the CPU reference. */
async function check(ctx: KvGpuContext, kind: CacheKind, arithmetic: AttentionArithmetic): Promise<number> {
  const tokens = 1000
  const attn = createDecodeAttention(ctx, {
    headDim: D,
    kvHeads: 2,
    queryHeadsPerKv: QPK,
    kind,
    maxTokens: tokens,
    arithmetic,
    subgroups: process.env.BENCH_SUBGROUPS === '1',
  })
  const k = new Float32Array(tokens * 2 * D)
  const v = new Float32Array(tokens * 2 * D)
  let s = 12345
  const rnd = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return s / 2 ** 31 - 1
  }
  for (let i = 0; i < k.length; i++) {
    k[i] = rnd() * 2
    v[i] = rnd()
  }
  attn.append(0, k, v)
  const q = new Float32Array(2 * QPK * D).map(() => rnd())
  const { output } = await attn.run(q)
  // the reference attends over what the pages hold (decoded), page by page
  const kk = new Float32Array(k.length)
  const vv = new Float32Array(v.length)
  const P = attn.layout.pageTokens
  const page = new Uint32Array(attn.layout.pageWords)
  const { encodePage } = await import('@kv/kernels-webgpu')
  for (let h = 0; h < 2; h++) {
    for (let p0 = 0; p0 < tokens; p0 += P) {
      const n = Math.min(P, tokens - p0)
      const kb = new Float32Array(n * D)
      const vb = new Float32Array(n * D)
      for (let t = 0; t < n; t++) {
        kb.set(k.subarray(((p0 + t) * 2 + h) * D, ((p0 + t) * 2 + h + 1) * D), t * D)
        vb.set(v.subarray(((p0 + t) * 2 + h) * D, ((p0 + t) * 2 + h + 1) * D), t * D)
      }
      encodePage(attn.layout, kb, vb, n, page)
      const back = decodePage(attn.layout, page, n)
      for (let t = 0; t < n; t++) {
        kk.set(back.keys.subarray(t * D, (t + 1) * D), ((p0 + t) * 2 + h) * D)
        vv.set(back.values.subarray(t * D, (t + 1) * D), ((p0 + t) * 2 + h) * D)
      }
    }
  }
  const ref = decodeAttentionReference(q, kk, vv, tokens, { headDim: D, kvHeads: 2, queryHeadsPerKv: QPK })
  let err = 0
  for (let i = 0; i < output.length; i++) err = Math.max(err, Math.abs(output[i]! - ref.output[i]!))
  attn.destroy()
  return err
}

/**
 * The int8 kernel against the float32 kernel on the same long cache (random data, 2 sequences of 20,000
 * and 13,000 tokens × 8 KV heads, appended from the CPU), split as long as the int8 kernel allows: a split or a page
 * the int8 kernel skipped would show here as a difference far above its rounding.
 */
async function scaleCheck(ctx: KvGpuContext, kind: CacheKind): Promise<Record<string, unknown>> {
  const lengths = [20000, 13000]
  let s = 99
  const rnd = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return s / 2 ** 31 - 1
  }
  const data = lengths.map((n) => ({
    k: new Float32Array(n * KV * D).map(() => rnd() * 2),
    v: new Float32Array(n * KV * D).map(() => rnd()),
  }))
  const query = new Float32Array(lengths.length * KV * QPK * D).map(() => rnd())
  const outputs: Float32Array[] = []
  let splitPlan = { pagesPerSplit: 0, splits: 0 }
  for (const arithmetic of ['float32', 'int8'] as const) {
    const attn = createDecodeAttention(ctx, {
      headDim: D,
      kvHeads: KV,
      queryHeadsPerKv: QPK,
      kind,
      groupSize: 128,
      batch: lengths.length,
      maxTokens: 20000,
      arithmetic,
      targetWorkgroups: 16,
    })
    for (const [b, { k, v }] of data.entries()) attn.append(b, k, v)
    outputs.push((await attn.run(query)).output)
    splitPlan = attn.splitPlan()
    attn.destroy()
  }
  let diff = 0
  let magnitude = 0
  for (let i = 0; i < outputs[0]!.length; i++) {
    diff = Math.max(diff, Math.abs(outputs[0]![i]! - outputs[1]![i]!))
    magnitude = Math.max(magnitude, Math.abs(outputs[0]![i]!))
  }
  return {
    scaleCheck: kind,
    tokens: lengths,
    int8PagesPerSplit: splitPlan.pagesPerSplit,
    int8VsFloat32MaxAbsDiff: diff,
    maxAbsOutput: magnitude,
  }
}

async function bench(
  ctx: KvGpuContext,
  kind: CacheKind,
  tokens: number,
  pageTokens: number,
  target: number,
  groupSize: number,
  arithmetic: AttentionArithmetic,
  maxPagesPerSplit: number | undefined,
) {
  const device = ctx.device
  const limit = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize)
  const layout = pageLayout(kind, D, pageTokens, groupSize, arithmetic)
  const bytesPerSeq = Math.ceil(tokens / pageTokens) * KV * layout.pageWords * 4
  const perShard = Math.max(1, Math.min(BATCH, Math.floor(limit / bytesPerSeq)))
  const shards: ReturnType<typeof createDecodeAttention>[] = []
  const fill = device.createCommandEncoder()
  for (let b = 0; b < BATCH; b += perShard) {
    const batch = Math.min(perShard, BATCH - b)
    const attn = createDecodeAttention(ctx, {
      headDim: D,
      kvHeads: KV,
      queryHeadsPerKv: QPK,
      kind,
      pageTokens,
      groupSize,
      batch,
      maxTokens: tokens,
      // target 0: the cache's default split plan
      ...(target === 0 ? {} : { targetWorkgroups: Math.max(1, Math.round((target * batch) / BATCH)) }),
      arithmetic,
      ...(maxPagesPerSplit === undefined ? {} : { maxPagesPerSplit }),
      subgroups: process.env.BENCH_SUBGROUPS === '1',
    })
    await attn.prepare()
    for (let s = 0; s < batch; s++) attn.reserve(s, tokens)
    encodeFill(device, fill, attn.pool, attn.layout, 17 + b)
    shards.push(attn)
  }
  device.queue.submit([fill.finish()])
  const q = shards.map((a) => uploadBuffer(device, new Float32Array(a.batch * KV * QPK * D).fill(0.05)))
  const out = shards.map((a) => storageBuffer(device, 4 * a.batch * KV * QPK * D))
  const lse = shards.map((a) => storageBuffer(device, 4 * a.batch * KV * QPK))
  const timer = callTimer(ctx)
  const encodeAll = (enc: GPUCommandEncoder) => {
    for (const [j, a] of shards.entries()) a.encode(enc, q[j]!, out[j]!, lse[j]!)
  }
  device.pushErrorScope('validation')
  await timer.time(encodeAll, Number(process.env.BENCH_WARMUP ?? 2))
  const invalid = await device.popErrorScope()
  if (invalid) throw new Error(`validation: ${invalid.message}`)
  const [r1, r2] = [await timer.time(encodeAll, ITERS), await timer.time(encodeAll, ITERS)]
  const ms = Math.min(r1.gpu, r2.gpu)
  const wallMs = Math.min(r1.wall, r2.wall)
  const bytes = shards.reduce((sum, a) => sum + a.batch * bytesPerSeq, 0)
  print({
    impl: 'webgpu-fused',
    kind,
    tokens,
    batch: BATCH,
    pageTokens,
    groupSize: kind === 'f16' ? null : groupSize,
    arithmetic,
    maxPagesPerSplit: maxPagesPerSplit ?? null,
    shards: shards.length,
    splits: shards[0]!.splitPlan().splits,
    subgroups: shards[0]!.subgroupReductions,
    ms: +ms.toFixed(4),
    wallMs: +wallMs.toFixed(4),
    cacheBytes: bytes,
    GBps: +(bytes / ms / 1e6).toFixed(1),
  })
  for (const b of [...q, ...out, ...lse]) b.destroy()
  timer.destroy()
  for (const a of shards) a.destroy()
}

const ctx = await requestDevice({
  powerPreference: 'high-performance',
  dawnOptions: process.env.BENCH_DAWN === undefined ? [] : process.env.BENCH_DAWN.split(' '),
})
ctx.device.onuncapturederror = (e) => print({ gpuError: (e as GPUUncapturedErrorEvent).error.message })
const l = ctx.device.limits
print({
  adapter: ctx.adapterInfo,
  features: [...ctx.features],
  maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
  maxBufferSize: l.maxBufferSize,
  maxWorkgroupStorage: l.maxComputeWorkgroupStorageSize,
})
if (process.env.BENCH_MICRO === '1') await microbench(ctx, print)
if (process.env.BENCH_FLOORS === '1') await floors(ctx, print)
if (process.env.BENCH_OCCUPANCY === '1') await occupancy(ctx, print)
if (process.env.BENCH_CONCURRENCY === '1') await concurrency(ctx, print)
if (process.env.BENCH_READ === '1') await readCeiling(ctx, print)
for (const kind of ['f16', 'q4', 'q2'] as const)
  print({ check: kind, maxAbsErr: await check(ctx, kind, 'float32') })
for (const kind of ['q4', 'q2'] as const) print(await scaleCheck(ctx, kind))
for (const kind of ['q4', 'q2'] as const)
  print({ check: `${kind}-int8`, maxAbsErr: await check(ctx, kind, 'int8') })
// page tokens : target workgroups : group size : arithmetic [: int8 max pages per split]
const variants = (
  process.env.BENCH_VARIANTS ?? '128:4096:128:float32,128:4096:32:float32,128:4096:128:int8,128:4096:32:int8'
)
  .split(',')
  .map((s) => {
    const [page, target, group, arithmetic, pps] = s.split(':')
    return [
      Number(page),
      Number(target),
      Number(group),
      (arithmetic ?? 'float32') as AttentionArithmetic,
      pps === undefined || pps === '' ? undefined : Number(pps),
    ] as const
  })
const kinds = (process.env.BENCH_KINDS ?? 'f16,q4,q2').split(',') as CacheKind[]
// A fresh GPU reads its first measurements 2–4× slow: one throwaway run of the first variant first.
if (kinds.length > 0 && variants.length > 0) {
  const [pageTokens, target, groupSize, arithmetic, pps] = variants[0]!
  quiet = true
  await bench(ctx, kinds[0]!, lengths[0]!, pageTokens, target, groupSize, arithmetic, pps).catch(() => {})
  quiet = false
}
const repeats = Number(process.env.BENCH_REPEAT ?? 1)
for (const tokens of lengths) {
  for (let repeat = 0; repeat < repeats; repeat++)
    for (const kind of kinds) {
      for (const [pageTokens, target, groupSize, arithmetic, pps] of variants) {
        if (kind === 'f16' && (groupSize !== variants[0]![2] || arithmetic !== 'float32')) continue
        try {
          await bench(ctx, kind, tokens, pageTokens, target, groupSize, arithmetic, pps)
        } catch (error) {
          print({ kind, tokens, pageTokens, target, arithmetic, error: String(error) })
        }
      }
    }
}
ctx.dispose()
process.exit(0)
