import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'

const CHROMIUM = '/usr/bin/chromium'
const haveChromium = existsSync(CHROMIUM)
if (!haveChromium)
  console.warn(`kernels-webgpu: browser test skipped, ${CHROMIUM} is absent (apt-get install -y chromium)`)

const root = fileURLToPath(new URL('../../../', import.meta.url))

/** esbuild's binary from the workspace's pnpm store (tsup brings it). */
function esbuildBinary(): string {
  const store = join(root, 'node_modules/.pnpm')
  const dir = readdirSync(store).find((d) => /^esbuild@\d/.test(d))
  if (dir === undefined) throw new Error('browser test: esbuild not found under node_modules/.pnpm')
  return join(store, dir, 'node_modules/esbuild/bin/esbuild')
}

describe.skipIf(!haveChromium)('in a real browser (headless Chromium, WebGPU on SwiftShader)', () => {
  test('quantization is bit-exact and fused q4 attention matches the CPU reference', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'kv-browser-')), 'bundle.js')
    const entry = fileURLToPath(new URL('./browser/entry.ts', import.meta.url))
    execFileSync(esbuildBinary(), [
      entry,
      '--bundle',
      '--format=esm',
      '--platform=browser',
      `--outfile=${out}`,
      '--log-level=error',
    ])
    const bundle = readFileSync(out)
    const server = createServer((req, res) => {
      if (req.url === '/bundle.js') {
        res.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle)
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
        '--enable-unsafe-webgpu',
        '--enable-features=Vulkan',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    })
    try {
      const page = await browser.newPage()
      await page.goto(`http://127.0.0.1:${port}/`)
      await page.waitForFunction(
        () => (globalThis as unknown as { __kvResult?: unknown }).__kvResult !== undefined,
        null,
        {
          timeout: 90_000,
        },
      )
      const result = (await page.evaluate(
        () => (globalThis as unknown as { __kvResult: unknown }).__kvResult,
      )) as {
        error?: string
        adapter?: { architecture: string }
        quantExact?: boolean
        attentionMaxErr?: number
      }
      console.log('kernels-webgpu browser test:', JSON.stringify(result))
      expect(result.error).toBeUndefined()
      expect(result.quantExact).toBe(true)
      expect(result.attentionMaxErr).toBeLessThan(5e-5)
    } finally {
      await browser.close()
      server.close()
    }
  }, 150_000)
})
