import { fileURLToPath } from 'node:url'
import { bundleForBrowser, haveChromium, runInChromium } from '@kv/test-support'
import { describe, expect, it } from 'vitest'

describe.skipIf(!haveChromium())('in a real browser (headless Chromium)', () => {
  it('the root entry bundles for the browser; a state round-trips through a Blob and an OPFS file', async () => {
    const { code } = await bundleForBrowser(fileURLToPath(new URL('./browser/entry.ts', import.meta.url)))
    const result = await runInChromium(code, { timeoutMs: 30_000 })
    expect(result).toEqual({
      blobExact: true,
      blobShared: true,
      opfsExact: true,
      corruptError: expect.stringMatching(/crc32|length/),
    })
  }, 60_000)
})
