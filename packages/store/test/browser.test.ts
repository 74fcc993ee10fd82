import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const CHROMIUM = '/usr/bin/chromium'
const haveChromium = existsSync(CHROMIUM)
const root = fileURLToPath(new URL('../../../', import.meta.url))

/** esbuild's binary from the workspace's pnpm store (tsup brings it). */
function esbuildBinary(): string {
  const store = join(root, 'node_modules/.pnpm')
  const dir = readdirSync(store).find((d) => /^esbuild@\d/.test(d))
  if (dir === undefined) throw new Error('browser test: esbuild not found under node_modules/.pnpm')
  return join(store, dir, 'node_modules/esbuild/bin/esbuild')
}

describe.skipIf(!haveChromium)('in a real browser (headless Chromium)', () => {
  it('the root entry bundles for the browser; a state round-trips through a Blob and an OPFS file', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'kv-store-browser-')), 'bundle.js')
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
      if (req.url === '/bundle.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle)
      else
        res
          .writeHead(200, { 'content-type': 'text/html' })
          .end('<!doctype html><script type="module" src="/bundle.js"></script>')
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    const { chromium } = await import('playwright-core')
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--no-first-run'],
    })
    try {
      const page = await browser.newPage()
      await page.goto(`http://127.0.0.1:${port}/`)
      await page.waitForFunction(
        () => (globalThis as unknown as { __kvResult?: unknown }).__kvResult !== undefined,
        null,
        {
          timeout: 30_000,
        },
      )
      const result = await page.evaluate(() => (globalThis as unknown as { __kvResult: unknown }).__kvResult)
      expect(result).toEqual({
        blobExact: true,
        blobShared: true,
        opfsExact: true,
        corruptError: expect.stringMatching(/crc32|length/),
      })
    } finally {
      await browser.close()
      server.close()
    }
  }, 60_000)
})
