import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import {
  type CacheKind,
  createDecodeAttention,
  decodeAttentionReference,
  decodePage,
  encodePage,
  int8AttentionErrorBound,
  int8LayoutProblem,
  type PageLayout,
  pageLayout,
  readValueWords,
} from '../src/index.js'
import { appendInPieces, gpuRuns, lcgFloats, testContext } from './gpu-context.js'

const ctx = await testContext()

/** One KV head's pages (as the cache encodes them) and the keys and values they decode to. */
function pagesOf(
  layout: PageLayout,
  keys: Float32Array,
  values: Float32Array,
  tokens: number,
  heads: number,
  h: number,
) {
  const D = layout.headDim
  const P = layout.pageTokens
  const pages: Uint32Array[] = []
  const k = new Float32Array(tokens * D)
  const v = new Float32Array(tokens * D)
  for (let p0 = 0; p0 < tokens; p0 += P) {
    const n = Math.min(P, tokens - p0)
    const kb = new Float32Array(n * D)
    const vb = new Float32Array(n * D)
    for (let t = 0; t < n; t++) {
      kb.set(keys.subarray(((p0 + t) * heads + h) * D, ((p0 + t) * heads + h + 1) * D), t * D)
      vb.set(values.subarray(((p0 + t) * heads + h) * D, ((p0 + t) * heads + h + 1) * D), t * D)
    }
    const page = new Uint32Array(layout.pageWords)
    encodePage(layout, kb, vb, n, page)
    pages.push(page)
    const back = decodePage(layout, page, n)
    k.set(back.keys, p0 * D)
    v.set(back.values, p0 * D)
  }
  return { pages, k, v }
}

describe('int8 page order', () => {
  test('property: encodePage then decodePage gives the same numbers in both orders', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<CacheKind>('q4', 'q2'),
        fc.integer({ min: 1, max: 64 }),
        fc.integer({ min: 0, max: 1 << 20 }),
        (kind, tokens, seed) => {
          const D = 64
          const keys = lcgFloats(tokens * D, seed, 3)
          const values = lcgFloats(tokens * D, seed + 1)
          const out: Array<{ keys: Float32Array; values: Float32Array }> = []
          for (const arithmetic of ['float32', 'int8'] as const) {
            const layout = pageLayout(kind, D, 64, 32, arithmetic)
            const page = new Uint32Array(layout.pageWords)
            encodePage(layout, keys, values, tokens, page)
            out.push(decodePage(layout, page, tokens))
            const plain = pageLayout(kind, D, 64, 32)
            const again = new Uint32Array(plain.pageWords)
            encodePage(plain, keys, values, tokens, again)
            expect(readValueWords(layout, page, tokens)).toEqual(readValueWords(plain, again, tokens))
          }
          expect(out[1]!.keys).toEqual(out[0]!.keys)
          expect(out[1]!.values).toEqual(out[0]!.values)
        },
      ),
      { numRuns: gpuRuns(40) },
    )
  })

  test('layouts the int8 kernel cannot read are refused by name', () => {
    expect(() => pageLayout('f16', 64, 32, 32, 'int8')).toThrow(/needs a q kind/)
    expect(() => pageLayout('q4', 16, 32, 16, 'int8')).toThrow(/multiple of 4/)
    expect(() => pageLayout('q4', 64, 32, 32, 'fast' as never)).toThrow(/arithmetic must be/)
    // the value pass takes one invocation per (row word, byte): at most 32 words per row
    expect(int8LayoutProblem(pageLayout('q4', 256, 128, 128, 'int8'))).toBeUndefined()
    expect(int8LayoutProblem(pageLayout('q4', 512, 128, 128, 'int8'))).toMatch(/up to 32 words per row/)
    expect(int8LayoutProblem(pageLayout('q2', 512, 128, 128, 'int8'))).toBeUndefined()
  })
})

describe.skipIf(!ctx)('int8 fused decode attention against exact attention and its error bound', () => {
  const cases: Array<{
    kind: CacheKind
    qpk: number
    lengths: number[]
    target: number
    group: number
    weights: boolean
    perSplit?: number
    page?: number
  }> = [
    // llvmpipe compiles each kernel variant for 1–4 minutes on a cold shader cache (most of it LLVM
    // building coroutine frames around the workgroup barriers), so the cases share three variants that
    // between them take every path of the generated WGSL once:
    // - the int8 query reduced over subgroup shuffles (q4 at head dim 32: 8 query words, as wide as
    //   llvmpipe's subgroups) and over a workgroup tree (q2, whose head dim is 64: 16 words);
    // - one and two vec4s of query heads (the second partly empty); with and without logits;
    // - one, two and four key groups per page; one and two token quads per lane in the value pass
    //   (64-token pages at head dim 32); one and two words of key codes per step.
    // A: q4, head dim 32, group 16, 32-token pages, 1 vec4 of query heads, logits (also the property test's q4).
    { kind: 'q4', qpk: 4, lengths: [70, 33], target: 8, group: 16, weights: true },
    { kind: 'q4', qpk: 4, lengths: [130, 1], target: 1000, group: 16, weights: true },
    // B: q2, head dim 64, group 32, 32-token pages, 1 vec4 of query heads, no logits (also the property test's q2).
    { kind: 'q2', qpk: 3, lengths: [97, 64], target: 2, group: 32, weights: false },
    // C: q4, head dim 32, group 16, 64-token pages, 2 vec4s of query heads, logits.
    { kind: 'q4', qpk: 6, lengths: [150, 17], target: 4, group: 16, weights: true, page: 64 },
    { kind: 'q2', qpk: 1, lengths: [200], target: 1, group: 32, weights: false },
    // long splits, more pages per workgroup than the default: the split plan and the kernel must agree
    { kind: 'q4', qpk: 4, lengths: [700, 40], target: 1, group: 16, weights: true, perSplit: 20 },
    { kind: 'q2', qpk: 2, lengths: [650], target: 1, group: 32, weights: false, perSplit: 17 },
  ]
  for (const { kind, qpk, lengths, target, group, weights, perSplit, page = 32 } of cases) {
    test(`${kind}, ${qpk} query heads per KV head, lengths ${lengths.join('/')}, group ${group}, ${page}-token pages, target ${target}`, async () => {
      // q2 packs 16 codes to a word: head dim 64 for whole vec4s of key words
      const D = kind === 'q2' ? 64 : 32
      const H = 2
      const batch = lengths.length
      const attn = createDecodeAttention(ctx!, {
        headDim: D,
        kvHeads: H,
        queryHeadsPerKv: qpk,
        kind,
        groupSize: group,
        pageTokens: page,
        batch,
        maxTokens: 704,
        targetWorkgroups: target,
        arithmetic: 'int8',
        ...(perSplit === undefined ? {} : { maxPagesPerSplit: perSplit }),
      })
      const kv = appendInPieces(attn, lengths, H, D)
      if (perSplit !== undefined) expect(attn.splitPlan().pagesPerSplit).toBe(perSplit)
      const query = lcgFloats(batch * H * qpk * D, 5, 1.5)
      const result = await attn.run(query, { weights })
      let worst = 0
      for (let b = 0; b < batch; b++) {
        for (let h = 0; h < H; h++) {
          const { pages, k, v } = pagesOf(attn.layout, kv[b]!.keys, kv[b]!.values, lengths[b]!, H, h)
          const q = query.subarray((b * H + h) * qpk * D, (b * H + h + 1) * qpk * D)
          const ref = decodeAttentionReference(q, k, v, lengths[b]!, {
            headDim: D,
            kvHeads: 1,
            queryHeadsPerKv: qpk,
          })
          const bound = int8AttentionErrorBound(attn.layout, pages, lengths[b]!, q, 1 / Math.sqrt(D))
          for (let j = 0; j < qpk; j++) {
            const row = ((b * H + h) * qpk + j) * D
            let err = 0
            for (let d = 0; d < D; d++)
              err = Math.max(err, Math.abs(result.output[row + d]! - ref.output[j * D + d]!))
            expect(err).toBeLessThanOrEqual(bound[j]!)
            worst = Math.max(worst, err / bound[j]!)
          }
          if (weights) {
            const w = result.weights![b]!
            for (let j = 0; j < qpk; j++) {
              let sum = 0
              for (let t = 0; t < lengths[b]!; t++) sum += w[(h * qpk + j) * lengths[b]! + t]!
              expect(sum).toBeCloseTo(1, 4)
            }
          }
        }
      }
      expect(worst).toBeGreaterThan(0)
      attn.destroy()
    }, 300_000)
  }

  test('refuses by name what it cannot run, and plans long splits by default', () => {
    const base = { kvHeads: 8, queryHeadsPerKv: 4, kind: 'q4', arithmetic: 'int8' } as const
    expect(() =>
      createDecodeAttention(ctx!, { ...base, headDim: 512, groupSize: 128, maxTokens: 256 }),
    ).toThrow(/createDecodeAttention: arithmetic 'int8' takes up to 32 words per row/)
    // 16 query heads per KV head, 32-token pages and groups of 8: more workgroup memory than any device gives
    expect(() =>
      createDecodeAttention(ctx!, {
        ...base,
        queryHeadsPerKv: 16,
        headDim: 128,
        groupSize: 8,
        pageTokens: 32,
        maxTokens: 256,
      }),
    ).toThrow(/bytes of workgroup memory .* use arithmetic 'float32' or a larger groupSize/)
    const attn = createDecodeAttention(ctx!, {
      ...base,
      headDim: 32,
      groupSize: 32,
      batch: 2,
      maxTokens: 131072,
    })
    for (let b = 0; b < 2; b++) attn.reserve(b, 131072)
    // 1024 pages × 2 sequences × 8 heads: 16 pages a split gives 1024 workgroups (at most 32 pages a split)
    expect(attn.splitPlan()).toEqual({ pagesPerSplit: 16, splits: 64 })
    for (let b = 0; b < 2; b++) attn.reset(b)
    for (let b = 0; b < 2; b++) attn.reserve(b, 8192)
    // a shorter context: shorter splits, to keep 1024 workgroups
    expect(attn.splitPlan()).toEqual({ pagesPerSplit: 1, splits: 64 })
    attn.destroy()
  })

  test('property: any length and magnitudes stay within the bound', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<CacheKind>('q4', 'q2'),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 0, max: 1 << 20 }),
        fc.constantFrom(1, 3, 10),
        fc.constantFrom(1, 1e-20, 1e3),
        fc.constantFrom(1, 1e-20, 8),
        async (kind, qpk, n, seed, perSplit, magnitude, keyScale) => {
          // the kernel variants A and B of the cases above (A writes logits: its weights are checked too)
          const D = kind === 'q2' ? 64 : 32
          const attn = createDecodeAttention(ctx!, {
            headDim: D,
            kvHeads: 1,
            queryHeadsPerKv: qpk,
            kind,
            groupSize: kind === 'q2' ? 32 : 16,
            pageTokens: 32,
            maxTokens: 448,
            targetWorkgroups: 2,
            arithmetic: 'int8',
            maxPagesPerSplit: perSplit,
          })
          const dim = attn.layout.headDim
          attn.append(0, lcgFloats(40 * dim, seed + 7), lcgFloats(40 * dim, seed + 8))
          attn.reset(0)
          const keys = lcgFloats(n * dim, seed, keyScale)
          const values = lcgFloats(n * dim, seed + 1, magnitude)
          if (n > 3) keys.fill(0.5, dim, 3 * dim)
          attn.append(0, keys, values)
          const query = lcgFloats(qpk * dim, seed + 2)
          const { output, weights } = await attn.run(query, { weights: kind === 'q4' })
          const { pages, k, v } = pagesOf(attn.layout, keys, values, n, 1, 0)
          const ref = decodeAttentionReference(query, k, v, n, {
            headDim: dim,
            kvHeads: 1,
            queryHeadsPerKv: qpk,
          })
          const bound = int8AttentionErrorBound(attn.layout, pages, n, query, 1 / Math.sqrt(dim))
          for (let j = 0; j < qpk; j++) {
            for (let d = 0; d < dim; d++) {
              expect(Math.abs(output[j * dim + d]! - ref.output[j * dim + d]!)).toBeLessThanOrEqual(bound[j]!)
            }
            if (weights !== undefined) {
              let sum = 0
              for (let t = 0; t < n; t++) sum += weights[0]![j * n + t]!
              expect(sum).toBeCloseTo(1, 4)
            }
          }
          attn.destroy()
        },
      ),
      { numRuns: gpuRuns(8) },
    )
  }, 300_000)
})
