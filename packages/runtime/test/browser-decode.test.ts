import { existsSync, readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { kvtinyFiles } from '@kv/model-kvtiny'
import { build } from 'esbuild'
import { describe, expect, it } from 'vitest'
import { type GreedyRun, greedyRun } from './browser/greedy.js'
import { embeddedModel } from './support.js'

const CHROMIUM = '/usr/bin/chromium'
const haveChromium = existsSync(CHROMIUM)
if (!haveChromium)
  console.warn(`runtime: browser decode test skipped, ${CHROMIUM} is absent (apt-get install -y chromium)`)

const SPEC = 'streaming:sinks=4,window=28+kivi:bits=4,groupSize=16,residual=16'
const PROMPT =
  'Fellow citizens, we meet tonight at a moment of testing for our nation, and the work ahead of us is'
const STEPS = 64

describe.skipIf(!haveChromium)('@kv/cache + @kv/runtime + every method package in a real browser', () => {
  it('bundles with no Node built-in and decodes the embedded model in headless Chromium as Node does', async () => {
    // esbuild refuses a `node:` import on the browser platform: the bundle itself is the first check.
    const bundled = await build({
      entryPoints: [fileURLToPath(new URL('./browser/decode-entry.ts', import.meta.url))],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      metafile: true,
      logLevel: 'silent',
    })
    const inputs = Object.keys(bundled.metafile.inputs)
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
    const bundle = bundled.outputFiles[0]!.text
    expect(bundle).not.toMatch(/\bnode:[a-z]/)

    const folder = fileURLToPath(new URL('.', kvtinyFiles.config))
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://localhost')
      if (url.pathname === '/bundle.js') {
        res.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle)
      } else if (url.pathname.startsWith('/model/') && !url.pathname.includes('..')) {
        const path = join(folder, url.pathname.slice('/model/'.length))
        if (existsSync(path)) res.writeHead(200).end(readFileSync(path))
        else res.writeHead(404).end()
      } else {
        res
          .writeHead(200, { 'content-type': 'text/html' })
          .end('<!doctype html><script type="module" src="/bundle.js"></script>')
      }
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    const { chromium } = await import('playwright-core')
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    })
    let inPage: GreedyRun & { error?: string }
    try {
      const page = await browser.newPage()
      const query = new URLSearchParams({ spec: SPEC, prompt: PROMPT, steps: String(STEPS) })
      await page.goto(`http://127.0.0.1:${port}/?${query}`)
      await page.waitForFunction(
        () => (globalThis as { __kvResult?: unknown }).__kvResult !== undefined,
        null,
        {
          timeout: 90_000,
        },
      )
      inPage = (await page.evaluate(
        () => (globalThis as { __kvResult?: unknown }).__kvResult,
      )) as typeof inPage
    } finally {
      await browser.close()
      server.close()
    }
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
