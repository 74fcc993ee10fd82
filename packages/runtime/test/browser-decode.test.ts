import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { kvtinyFiles } from '@kv/model-kvtiny'
import { bundleForBrowser, folderRoute, haveChromium, runInChromium } from '@kv/test-support'
import { describe, expect, it } from 'vitest'
import { type GreedyRun, greedyRun } from './browser/greedy.js'
import { embeddedModel } from './support.js'

const SPEC = 'streaming:sinks=4,window=28+kivi:bits=4,groupSize=16,residual=16'
const PROMPT =
  'Fellow citizens, we meet tonight at a moment of testing for our nation, and the work ahead of us is'
const STEPS = 64

describe.skipIf(!haveChromium())('@kv/cache + @kv/runtime + every method package in a real browser', () => {
  it('bundles with no Node built-in and decodes the embedded model in headless Chromium as Node does', async () => {
    // esbuild refuses a `node:` import on the browser platform: the bundle itself is the first check.
    const { code: bundle, inputs } = await bundleForBrowser(
      fileURLToPath(new URL('./browser/decode-entry.ts', import.meta.url)),
    )
    for (const pkg of [
      'cache',
      'runtime',
      'quant-gear',
      'evict',
      'merge-minicache',
      'retrieval-ann',
      'early-exit',
    ]) {
      expect(inputs.some((path) => path.includes(`packages/${pkg}/src/`))).toBe(true)
    }
    expect(inputs.filter((path) => path.includes('kernels-webgpu'))).toEqual([])
    expect(bundle).not.toMatch(/\bnode:[a-z]/)

    const inPage = (await runInChromium(bundle, {
      query: { spec: SPEC, prompt: PROMPT, steps: String(STEPS) },
      // the model's files, as the entry fetches them
      route: folderRoute('/model/', fileURLToPath(new URL('.', kvtinyFiles.config))),
      timeoutMs: 90_000,
    })) as GreedyRun & { error?: string }
    expect(inPage.error).toBeUndefined()
    const model = await embeddedModel()
    const heads = JSON.parse(readFileSync(fileURLToPath(kvtinyFiles.retrievalHeads), 'utf8'))
    const inNode = await greedyRun(model, SPEC, PROMPT, STEPS, heads)
    console.info(
      `runtime browser decode: ${inPage.tokens.length} tokens, ratio ${inPage.stats.ratio.toFixed(2)}×`,
    )
    expect(inPage.tokens).toEqual(inNode.tokens)
    expect(inPage.stats).toEqual(inNode.stats)
    let worst = 0
    for (let v = 0; v < inNode.logits.length; v++)
      worst = Math.max(worst, Math.abs(inPage.logits[v]! - inNode.logits[v]!))
    expect(worst).toBeLessThan(1e-4)
    // The cache really compressed: StreamingLLM held 32 tokens of each head, KIVI packed them.
    expect(inNode.stats.tokens[0]![0]).toBe(32)
    expect(inNode.stats.ratio).toBeGreaterThan(1)
  }, 150_000)
})
