// Bundled for the browser test: runs two kernels on navigator.gpu and reports to window.__kvResult.
import { quantizeAffine } from '@kv/tensor'
import {
  createDecodeAttention,
  decodeAttentionReference,
  decodePage,
  encodePage,
  quantizeAffineGpu,
  requestDevice,
} from '../../src/index.js'

async function main(): Promise<Record<string, unknown>> {
  const ctx = await requestDevice()
  const n = 90 * 64
  const data = new Float32Array(n)
  for (let i = 0; i < n; i++) data[i] = Math.sin(i * 0.37) * 3
  const options = { bits: 4, groupSize: 32, axis: 'column' as const }
  const block = data.subarray(0, 33 * 64)
  const gpu = await quantizeAffineGpu(ctx.device, block, 33, 64, options)
  const cpu = quantizeAffine(block, 33, 64, options)
  const same = (a: ArrayLike<number>, b: ArrayLike<number>) =>
    a.length === b.length && Array.from(a).every((x, i) => Object.is(x, b[i]))
  const quantExact = same(gpu.codes, cpu.codes) && same(gpu.scales, cpu.scales) && same(gpu.mins, cpu.mins)
  // fused attention over a q4 page against the CPU reference on the decoded page
  const D = 64
  const tokens = 40
  const attn = createDecodeAttention(ctx, {
    headDim: D,
    kvHeads: 1,
    queryHeadsPerKv: 4,
    kind: 'q4',
    pageTokens: 64,
    maxTokens: 64,
  })
  const k = data.subarray(0, tokens * D)
  const v = data.subarray(tokens * D, 2 * tokens * D)
  attn.append(0, k, v)
  const q = new Float32Array(4 * D).map((_, i) => Math.cos(i))
  const { output } = await attn.run(q)
  const page = new Uint32Array(attn.layout.pageWords)
  encodePage(attn.layout, k, v, tokens, page)
  const back = decodePage(attn.layout, page, tokens)
  const ref = decodeAttentionReference(q, back.keys, back.values, tokens, {
    headDim: D,
    kvHeads: 1,
    queryHeadsPerKv: 4,
  })
  let err = 0
  for (let i = 0; i < output.length; i++) err = Math.max(err, Math.abs(output[i]! - ref.output[i]!))
  return { adapter: ctx.adapterInfo, quantExact, attentionMaxErr: err }
}

const w = globalThis as unknown as { __kvResult?: unknown }
main().then(
  (r) => {
    w.__kvResult = r
  },
  (e: unknown) => {
    w.__kvResult = { error: String(e) }
  },
)
