import { mkdtempSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { buildPipeline } from '@kv/eval'
import { loadModel } from '@kv/runtime/node'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { defaultPrompt } from '../src/default-prompt.js'
import { gpuPlan } from '../src/gpu-plan.js'
import { composerRows, PLAYGROUND_METHODS, playgroundRegistry } from '../src/methods.js'
import { argmax, klDivergence, logSoftmax, scoreToken, summarize } from '../src/metrics.js'
import { PRESETS } from '../src/presets.js'
import { servePlayground } from '../src/server.js'

const logits = (size: number) =>
  fc.array(fc.float({ min: -30, max: 30, noNaN: true, noDefaultInfinity: true }), {
    minLength: size,
    maxLength: size,
  })

describe('scores of the held-out panel', () => {
  it('log-softmax normalizes, KL is zero against itself and never negative, argmax takes the first tie', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 37 }).chain((n) => fc.tuple(logits(n), logits(n))),
        ([p, q]) => {
          const logP = logSoftmax(p)
          const total = logP.reduce((sum, v) => sum + Math.exp(v), 0)
          expect(total).toBeCloseTo(1, 9)
          expect(klDivergence(logP, logP)).toBe(0)
          expect(klDivergence(logP, logSoftmax(q))).toBeGreaterThanOrEqual(0)
          const best = argmax(p)
          expect(p.every((v, i) => v < p[best]! || (v === p[best]! && i >= best))).toBe(true)
        },
      ),
    )
  })

  it('the perplexity ratio is exp of the mean NLL difference; identical caches agree everywhere', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(logits(5), logits(5), fc.integer({ min: 0, max: 4 })), {
          minLength: 1,
          maxLength: 20,
        }),
        (rows) => {
          const scored = rows.map(([full, composed, target]) => scoreToken(full, composed, target))
          const summary = summarize(scored)
          const meanDiff = scored.reduce((s, t) => s + t.nllComposed - t.nllFull, 0) / scored.length
          expect(Math.log(summary.perplexityRatio)).toBeCloseTo(meanDiff, 9)
          const same = summarize(rows.map(([full, , target]) => scoreToken(full, full, target)))
          expect(same.perplexityRatio).toBe(1)
          expect(same.meanKl).toBe(0)
          expect(same.top1).toBe(1)
        },
      ),
    )
  })

  it('refuses to summarize nothing and KL of different lengths', () => {
    expect(() => summarize([])).toThrow(/no scored tokens/)
    expect(() => klDivergence(new Float64Array(2), new Float64Array(3))).toThrow(/2 vs 3/)
  })
})

describe('the composer rows and the WebGPU plan', () => {
  it('every method sits in exactly one row, by the slot it provides', () => {
    const rows = composerRows()
    const placed = rows.flatMap((row) => row.methods.map((m) => m.name))
    expect(placed.sort()).toEqual(PLAYGROUND_METHODS.map((m) => m.name).sort())
    const rowOf = (name: string) => rows.find((row) => row.methods.some((m) => m.name === name))!.id
    expect(rowOf('mikv')).toBe('codec')
    expect(rowOf('streaming')).toBe('policy')
    expect(rowOf('minicache')).toBe('merger')
    expect(rowOf('retrieval')).toBe('retriever')
    expect(rowOf('skipdecode')).toBe('exit')
  })

  it('maps full, fp16 and kivi 4/2 bits to accelerator kinds and refuses everything else with the reason', () => {
    const registry = playgroundRegistry()
    expect(gpuPlan(registry.parse('full'))).toEqual({ ok: true, kind: 'f16', groupSize: 32 })
    expect(gpuPlan(registry.parse('fp16'))).toEqual({ ok: true, kind: 'f16', groupSize: 32 })
    expect(gpuPlan(registry.parse('kivi:bits=2,groupSize=64'))).toEqual({
      ok: true,
      kind: 'q2',
      groupSize: 64,
    })
    expect(gpuPlan(registry.parse('kivi'))).toEqual({ ok: true, kind: 'q4', groupSize: 32 })
    const refused = gpuPlan(registry.parse('streaming:sinks=4,window=252+kivi:bits=4'))
    expect(refused.ok).toBe(false)
    expect(!refused.ok && refused.error).toMatch(/streaming would change the CPU cache/)
    for (const method of PLAYGROUND_METHODS) {
      if (method.name === 'kivi' || method.name === 'fp16') continue
      const parts = [{ method: method.name, params: {} }]
      expect(gpuPlan(parts).ok, method.name).toBe(false)
    }
  })
})

describe('the presets', () => {
  it('each builds a cache on the embedded model, and the composer shows it', async () => {
    const model = await loadModel()
    for (const [label, spec] of PRESETS) {
      const cache = model.createCache(buildPipeline(model, spec, playgroundRegistry()))
      expect(cache.description === 'full', label).toBe(spec === 'full')
      const rows = composerRows()
      for (const part of playgroundRegistry().parse(spec)) {
        expect(rows.some((row) => row.methods.some((m) => m.name === part.method))).toBe(true)
      }
    }
  })
})

describe('the default prompt', () => {
  it('is whole sentences after `from`, about `length` characters', () => {
    const sentence = (i: number) => `Sentence number ${i} says a little more.`
    const text = Array.from({ length: 200 }, (_, i) => sentence(i)).join(' ')
    const prompt = defaultPrompt(text, 500, 600)
    expect(text.indexOf(prompt)).toBeGreaterThan(500)
    expect(prompt.startsWith('Sentence number')).toBe(true)
    expect(prompt.endsWith('.')).toBe(true)
    expect(prompt.length).toBeGreaterThanOrEqual(600)
    expect(prompt.length).toBeLessThan(700)
    expect(defaultPrompt('no sentence end here', 5, 8)).toBe('no sente')
  })
})

describe('the static server', () => {
  it('serves the folder gzipped, and nothing outside it', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'kv-playground-serve-'))
    writeFileSync(join(folder, 'index.html'), '<!doctype html><p>hello</p>')
    const server = await servePlayground(folder)
    const get = (path: string) =>
      new Promise<{ status: number; encoding: string | undefined; body: Buffer }>((resolve, reject) => {
        const req = request(
          `${server.url.replace(/\/$/, '')}${path}`,
          { headers: { 'accept-encoding': 'gzip' } },
          (res) => {
            const chunks: Buffer[] = []
            res.on('data', (c: Buffer) => chunks.push(c))
            res.on('end', () =>
              resolve({
                status: res.statusCode!,
                encoding: res.headers['content-encoding'],
                body: Buffer.concat(chunks),
              }),
            )
          },
        )
        req.on('error', reject)
        req.end()
      })
    try {
      const page = await get('/')
      expect(page.status).toBe(200)
      expect(page.encoding).toBe('gzip')
      expect(gunzipSync(page.body).toString()).toContain('hello')
      expect((await get('/..%2F..%2Fetc%2Fpasswd')).status).toBe(404)
      expect((await get('/missing.js')).status).toBe(404)
    } finally {
      await server.close()
    }
    await expect(servePlayground(join(folder, 'nowhere'))).rejects.toThrow(
      /has no index.html; build it first/,
    )
  })
})
