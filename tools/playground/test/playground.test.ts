import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import type { CacheStats } from '@kv/cache'
import { loadModel } from '@kv/runtime/node'
import { haveChromium, launchChromium, skipWithoutAdapter } from '@kv/test-support'
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { buildPlayground } from '../src/build.js'
import { servePlayground } from '../src/server.js'
import { cpuQ4, maxAbsDiff, nodeForced, nodeGreedy } from './node-reference.js'

const SPEC = 'streaming:sinks=4,window=252+kivi:bits=4'
const GPU_SPEC = 'kivi:bits=4'
/** The WebGPU part's prompt: short, since SwiftShader runs every kernel on the CPU (4 tokens/s at 480). */
const SHORT_PROMPT =
  'Fellow citizens, we meet tonight at a moment of testing for our nation, and the work ahead of us is'
const STEPS = 64
/** `@kv/runtime`'s documented bound: f16 GPU attention against CPU float32, max |logit difference|. */
const TOLERANCE_F16 = 5e-2
/** `@kv/runtime`'s documented bound for q kinds: within 2× the error of the CPU `uniform` codec. */
const VERSUS_CPU_CODEC = 2
/** `@kv/runtime`'s bound for q4 logits against full precision (test/webgpu.test.ts, TOLERANCE_Q). */
const TOLERANCE_Q4 = 1.5
/**
 * Where the screenshots go: a temporary folder, so a test run leaves the tracked `screenshots/` alone;
 * `pnpm --filter @kv/playground screenshots` sets `KV_SCREENSHOTS` to renew them there.
 */
const SHOTS = process.env.KV_SCREENSHOTS ?? mkdtempSync(join(tmpdir(), 'kv-playground-shots-'))

interface SideReport {
  tokens: number[]
  text: string
  logits: number[]
  stats: CacheStats
  deviceBytes?: number
  tokensPerSecond: number
  acceleratorLost?: string
}
interface PageState {
  ready: boolean
  error?: string
  gpu: { available: boolean; message: string }
  compositionError?: string
  paused: boolean
  generation?: {
    done: boolean
    error?: string
    firstTokenMs?: number
    full?: SideReport
    composed?: SideReport
  }
  scoring?: { done: boolean; error?: string; summary?: Record<string, number> }
  model?: { milliseconds: number; networkBytes: number; cachedBytes: number }
}

const state = (page: Page) =>
  page.evaluate(() =>
    JSON.parse(JSON.stringify((globalThis as { __playground?: unknown }).__playground)),
  ) as Promise<PageState>

async function compose(page: Page, spec: string): Promise<PageState> {
  await page.fill('#spec', spec)
  await page.click('#apply-spec')
  return state(page)
}

/** Generates `steps` tokens with the page's controls; pauses at `pauseAt` for `atPause`. */
async function generateInPage(page: Page, steps: number, atPause?: () => Promise<void>) {
  await page.fill('#steps', String(steps))
  if (atPause)
    await page.evaluate(() =>
      Object.assign((globalThis as unknown as { __playground: object }).__playground, { pauseAt: 32 }),
    )
  await page.click('#generate')
  if (atPause) {
    await page.waitForFunction(
      () => (globalThis as { __playground?: { paused: boolean } }).__playground?.paused === true,
    )
    await atPause()
    await page.evaluate(() =>
      (globalThis as unknown as { __playground: { resume(): void } }).__playground.resume(),
    )
  }
  await page.waitForFunction(
    () => (globalThis as { __playground?: PageState }).__playground?.generation?.done === true,
    null,
    { timeout: 60_000 },
  )
  const after = await state(page)
  expect(after.generation?.error).toBeUndefined()
  return after.generation!
}

/** The memory figures the page shows for one side, read back from the table's cells. */
async function shownStats(page: Page, side: 'full' | 'composed'): Promise<Record<string, number>> {
  return page.$$eval(`#mem-${side} td[data-value]`, (cells) =>
    Object.fromEntries(
      cells.map((c) => [c.getAttribute('data-stat')!, Number(c.getAttribute('data-value'))]),
    ),
  )
}

function expectShownEqual(shown: Record<string, number>, stats: CacheStats) {
  expect(shown).toEqual({
    totalTokens: stats.totalTokens,
    sequenceLength: stats.sequenceLength,
    logicalBytes: stats.logicalBytes,
    physicalBytes: stats.physicalBytes,
    float16Bytes: stats.float16Bytes,
    ratio: stats.ratio,
  })
}

describe.skipIf(!haveChromium())('the playground in headless Chromium', () => {
  it('composes, generates as Node does (CPU and WebGPU), shows cache.stats() and scores held-out text', async () => {
    const out = mkdtempSync(join(tmpdir(), 'kv-playground-'))
    mkdirSync(SHOTS, { recursive: true })
    const folder = await buildPlayground(join(out, 'dist'))
    const server = await servePlayground(folder)
    const browser = await launchChromium({ webgpu: true })
    const modelPromise = loadModel()
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 1180 } })
      const scripts: string[] = []
      page.on('response', (response) => {
        if (response.url().endsWith('.js')) scripts.push(new URL(response.url()).pathname)
      })
      const errors: string[] = []
      page.on('pageerror', (error) => errors.push(error.message))
      await page.goto(server.url)
      await page.waitForFunction(
        () => {
          const s = (globalThis as { __playground?: PageState }).__playground
          return s !== undefined && (s.ready || s.error !== undefined) && s.gpu.message !== 'checking'
        },
        null,
        { timeout: 30_000 },
      )
      const loaded = await state(page)
      expect(loaded.error).toBeUndefined()

      // An impossible combination shows the cache's composition error and disables Generate.
      const refused = await compose(page, 'streaming+retrieval')
      expect(refused.compositionError).toMatch(/re-assigns positions/)
      expect(await page.textContent('#composition')).toMatch(/^Composition error: retriever/)
      expect(await page.isDisabled('#generate')).toBe(true)

      // The page's default prompt (about 400 tokens of held-out text) is the prompt of both decoders.
      const prompt = await page.inputValue('#prompt')
      const composed = await compose(page, SPEC)
      expect(composed.compositionError).toBeUndefined()
      expect(await page.inputValue('#slot-policy')).toBe('streaming')
      expect(await page.inputValue('#slot-codec')).toBe('kivi')
      await page.screenshot({ path: join(SHOTS, 'start.png'), fullPage: true })

      // CPU: 64 greedy tokens of both caches, against Node's decoder with @kv/eval's buildPipeline.
      const started = Date.now()
      const cpu = await generateInPage(page, STEPS, () =>
        page.screenshot({ path: join(SHOTS, 'mid-generation.png'), fullPage: true }).then(() => undefined),
      )
      const cpuSeconds = (Date.now() - started) / 1000
      const model = await modelPromise
      const nodeComposed = await nodeGreedy(model, SPEC, prompt, STEPS)
      const nodeFull = await nodeGreedy(model, 'full', prompt, STEPS)
      expect(cpu.composed!.tokens).toEqual(nodeComposed.tokens)
      expect(cpu.full!.tokens).toEqual(nodeFull.tokens)
      expect(cpu.composed!.stats).toEqual(nodeComposed.stats)
      expect(cpu.full!.stats).toEqual(nodeFull.stats)
      expectShownEqual(await shownStats(page, 'composed'), nodeComposed.stats)
      expectShownEqual(await shownStats(page, 'full'), nodeFull.stats)
      expect(maxAbsDiff(cpu.composed!.logits, nodeComposed.logits)).toBeLessThan(1e-4)
      // StreamingLLM held sinks + window = 256 of the ~480 tokens in every head, and KIVI packed them.
      expect(nodeComposed.stats.sequenceLength).toBeGreaterThan(400)
      expect(nodeComposed.stats.tokens.flat().every((held) => held === 256)).toBe(true)
      expect(nodeComposed.stats.ratio).toBeGreaterThan(1)

      // Held-out scoring with both caches.
      await page.fill('#score-context', '384')
      await page.fill('#score-tokens', '64')
      await page.click('#score')
      await page.waitForFunction(
        () => (globalThis as { __playground?: PageState }).__playground?.scoring?.done === true,
        null,
        { timeout: 60_000 },
      )
      const scored = (await state(page)).scoring!
      expect(scored.error).toBeUndefined()
      const summary = scored.summary!
      expect(summary.tokens).toBe(64)
      expect(summary.perplexityRatio).toBeGreaterThan(0.5)
      expect(summary.perplexityRatio).toBeLessThan(2)
      expect(summary.top1).toBeGreaterThan(0.5)
      await page.screenshot({ path: join(SHOTS, 'scored.png'), fullPage: true })

      // Page weight: the JavaScript the CPU path loaded, gzipped as the server sends it.
      const gzipped = scripts
        .filter((path) => !/gpu-backend|accelerator/.test(path))
        .reduce((sum, path) => sum + gzipSync(readFileSync(join(folder, path)), { level: 9 }).length, 0)
      console.info(
        `playground: CPU path ${cpu.composed!.tokens.length} tokens in ${cpuSeconds.toFixed(1)} s, first token after ` +
          `${cpu.firstTokenMs!.toFixed(0)} ms, composed ${cpu.composed!.tokensPerSecond.toFixed(0)} tokens/s, full ` +
          `${cpu.full!.tokensPerSecond.toFixed(0)} tokens/s; model loaded in ${loaded.model!.milliseconds.toFixed(0)} ms; ` +
          `JavaScript on the CPU path ${gzipped} bytes gzipped (${scripts.join(', ')}); scoring ${JSON.stringify(summary)}`,
      )

      // A second visit reads the model from the browser's Cache API, not the server.
      await page.reload()
      await page.waitForFunction(
        () => (globalThis as { __playground?: PageState }).__playground?.ready === true,
      )
      const revisit = (await state(page)).model!
      expect(revisit.networkBytes).toBe(0)
      expect(revisit.cachedBytes).toBe(loaded.model!.networkBytes)
      expect(errors).toEqual([])

      // WebGPU: the accelerator's own cache kinds, on Chromium's software adapter.
      if (!loaded.gpu.available) {
        skipWithoutAdapter(loaded.gpu.message)
        return
      }
      await page.check('#device-webgpu')
      const gpuRefused = await compose(page, SPEC)
      expect(gpuRefused.compositionError).toMatch(/accelerator keeps its own copy of every token/)
      expect(await page.isDisabled('#generate')).toBe(true)
      expect((await compose(page, GPU_SPEC)).compositionError).toBeUndefined()
      await page.fill('#prompt', SHORT_PROMPT)
      const gpu = await generateInPage(page, STEPS)
      const nodeShort = await nodeGreedy(model, 'full', SHORT_PROMPT, STEPS)
      for (const side of [gpu.full!, gpu.composed!]) {
        expect(side.acceleratorLost).toBeUndefined()
        expect(side.deviceBytes).toBeGreaterThan(0)
      }
      // f16 on the GPU: the full cache's tokens, or logits within the documented bound on the same tokens.
      const gpuFullForced = await nodeForced(model, {}, SHORT_PROMPT, gpu.full!.tokens)
      const f16Error = maxAbsDiff(gpu.full!.logits, gpuFullForced.logits)
      const f16TokensEqual = gpu.full!.tokens.every((t, i) => t === nodeShort.tokens[i])
      // Tokens equal Node's CPU decoder, or (where rounding flips a near tie) the logits on the page's own
      // tokens stay within the bound; the bound is checked either way.
      expect(f16Error).toBeLessThan(TOLERANCE_F16)
      expect(gpu.full!.stats).toEqual(gpuFullForced.stats)
      expectShownEqual(await shownStats(page, 'full'), gpuFullForced.stats)
      // q4 on the GPU: logits within 2× the CPU uniform codec's error, on the page's own tokens.
      const reference = await nodeForced(model, {}, SHORT_PROMPT, gpu.composed!.tokens)
      const cpuCodec = await nodeForced(model, cpuQ4(), SHORT_PROMPT, gpu.composed!.tokens)
      const q4Error = maxAbsDiff(gpu.composed!.logits, reference.logits)
      const cpuCodecError = maxAbsDiff(cpuCodec.logits, reference.logits)
      // The documented bound against full precision; the ratio to the CPU codec's error is reported (its
      // 2× bound is the runtime's, measured over held-out passages, not at one step).
      expect(q4Error).toBeLessThan(TOLERANCE_Q4)
      expect(q4Error).toBeGreaterThan(f16Error) // the GPU cache really is packed
      expect(gpu.composed!.stats).toEqual(reference.stats)
      expectShownEqual(await shownStats(page, 'composed'), reference.stats)
      await page.screenshot({ path: join(SHOTS, 'webgpu.png'), fullPage: true })
      console.info(
        `playground: WebGPU (${loaded.gpu.message}) first token after ${gpu.firstTokenMs!.toFixed(0)} ms; ` +
          `f16 tokens ${f16TokensEqual ? 'equal to' : 'differ from'} Node's, ` +
          `max |logit error| f16 ${f16Error.toFixed(4)}, q4 ${q4Error.toFixed(3)} (CPU uniform q4 ${cpuCodecError.toFixed(3)}, ratio ${(q4Error / cpuCodecError).toFixed(2)} vs ${VERSUS_CPU_CODEC}); ` +
          `${gpu.composed!.tokensPerSecond.toFixed(1)} / ${gpu.full!.tokensPerSecond.toFixed(1)} tokens/s`,
      )
      expect(errors).toEqual([])
    } finally {
      await browser.close()
      await server.close()
      rmSync(out, { recursive: true, force: true })
    }
  }, 120_000)
})
