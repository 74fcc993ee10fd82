import { fileURLToPath } from 'node:url'
import { bundleForBrowser, haveChromium, runInChromium, skipWithoutAdapter } from '@kv/test-support'
import { describe, expect, test } from 'vitest'

describe.skipIf(!haveChromium())('in a real browser (headless Chromium, WebGPU on SwiftShader)', () => {
  test('quantization is bit-exact and fused q4 attention matches the CPU reference', async (context) => {
    const { code } = await bundleForBrowser(fileURLToPath(new URL('./browser/entry.ts', import.meta.url)))
    const result = (await runInChromium(code, { webgpu: true, timeoutMs: 90_000 })) as {
      error?: string
      adapter?: { architecture: string }
      quantExact?: boolean
      attentionMaxErr?: number
    }
    console.log('kernels-webgpu browser test:', JSON.stringify(result))
    // Chromium's own adapter (SwiftShader over Vulkan) can be missing too, e.g. where Vulkan is hidden
    if (result.error?.startsWith('KvGpuUnavailableError')) {
      // the page's reason is the Node.js one: one notice for the run
      skipWithoutAdapter(result.error.slice('KvGpuUnavailableError: '.length))
      context.skip()
    }
    expect(result.error).toBeUndefined()
    expect(result.quantExact).toBe(true)
    expect(result.attentionMaxErr).toBeLessThan(5e-5)
  }, 150_000)
})
