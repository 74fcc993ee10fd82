/**
 * CPU seconds the adapter spends compiling each decode-attention variant that the tests use, one at a time
 * (on llvmpipe, the largest part of CI's time). Run it with a cold Mesa cache to see the real cost:
 *
 *   MESA_SHADER_CACHE_DIR=$(mktemp -d) LP_NUM_THREADS=1 GALLIVM_PERF=nopt pnpm --filter @kv/kernels-webgpu bench:compile
 *
 * `--only <substring>` keeps the variants whose name contains it.
 */
import { createDecodeAttention, type DecodeAttentionOptions, requestDevice } from '../src/index.js'

interface Variant {
  readonly name: string
  readonly options: DecodeAttentionOptions
  readonly weights: boolean
}

/** A variant as the tests make it: two KV heads, 32-token pages unless given. */
function variant(
  kind: 'f16' | 'q4' | 'q2',
  rest: {
    qpk: number
    weights: boolean
    subgroups?: boolean
    int8?: boolean
    headDim?: number
    group?: number
    page?: number
  },
): Variant {
  const { qpk, weights, subgroups = false, int8 = false, headDim = 64, group = 32, page = 32 } = rest
  return {
    name: `${int8 ? 'int8' : 'float32'} ${kind} d${headDim} g${group} p${page} qpk${qpk}${weights ? ' logits' : ''}${subgroups ? ' subgroups' : ''}`,
    options: {
      headDim,
      kvHeads: 2,
      queryHeadsPerKv: qpk,
      kind,
      groupSize: group,
      pageTokens: page,
      maxTokens: 128,
      subgroups,
      ...(int8 ? { arithmetic: 'int8' as const } : {}),
    },
    weights,
  }
}

const VARIANTS: Variant[] = [
  // test/attention.test.ts
  variant('f16', { qpk: 4, weights: true }),
  variant('q4', { qpk: 4, weights: false, subgroups: true }),
  variant('q2', { qpk: 3, weights: true }),
  variant('q4', { qpk: 6, weights: false, subgroups: true, headDim: 32 }),
  // what the two-vec4 case would cost at head dim 64
  variant('q4', { qpk: 6, weights: false, subgroups: true }),
  variant('q4', { qpk: 6, weights: false }),
  // test/attention-int8.test.ts
  variant('q4', { qpk: 4, weights: true, int8: true, headDim: 32, group: 16 }),
  variant('q2', { qpk: 3, weights: false, int8: true }),
  variant('q4', { qpk: 6, weights: true, int8: true, headDim: 32, group: 16, page: 64 }),
  // @kv/runtime's test/webgpu.test.ts (the embedded model: head dim 64, 2 query heads per KV head)
  variant('f16', { qpk: 2, weights: false, page: 128 }),
  variant('q2', { qpk: 2, weights: false, subgroups: true }),
  variant('q4', { qpk: 2, weights: false, int8: true }),
]

const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1]! : ''
const ctx = await requestDevice()
console.log(`adapter: ${ctx.adapterInfo?.description ?? 'unknown'}`)
for (const v of VARIANTS.filter((x) => x.name.includes(only))) {
  const attn = createDecodeAttention(ctx, v.options)
  const { headDim: D, kvHeads: H, queryHeadsPerKv: qpk } = v.options
  attn.append(0, new Float32Array(H * D).fill(0.5), new Float32Array(H * D).fill(0.25))
  const before = process.cpuUsage()
  const wall = performance.now()
  // the adapter compiles a pipeline at its first dispatch
  await attn.run(new Float32Array(H * qpk * D).fill(0.1), { weights: v.weights })
  const cpu = process.cpuUsage(before)
  console.log(
    `${v.name.padEnd(48)} ${((cpu.user + cpu.system) / 1e6).toFixed(1).padStart(6)} CPU-s ${((performance.now() - wall) / 1e3).toFixed(1).padStart(6)} s${attn.subgroupReductions ? '' : ' (trees)'}`,
  )
  attn.destroy()
}
ctx.dispose()
