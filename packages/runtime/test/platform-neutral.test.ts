import { fileURLToPath } from 'node:url'
import { bundleForBrowser } from '@kv/test-support'
import { describe, expect, it } from 'vitest'

/** The entry (relative to this file) bundled as a browser app would bundle it, with every dependency. */
const bundle = (entry: string) => bundleForBrowser(fileURLToPath(new URL(entry, import.meta.url)))

describe('@kv/runtime is platform-neutral', () => {
  it('its root entry bundles for a browser: nothing it reaches imports a node: module', async () => {
    // esbuild refuses `node:` imports on the browser platform, naming the file that has one.
    const { code, inputs } = await bundle('../src/index.ts')
    expect(inputs.filter((path) => path.includes('/src/node/'))).toEqual([])
    expect(inputs.some((path) => path.includes('@huggingface/tokenizers'))).toBe(true)
    expect(code).not.toMatch(/\bnode:[a-z]/)
  }, 60_000)

  it('its node subpath is what reads files', async () => {
    // esbuild's message lists only the first few failures; its `errors` list has all of them.
    const failure = (await bundle('../src/node/index.ts').catch((error: unknown) => error)) as {
      errors?: { text: string }[]
    }
    expect(failure.errors?.map((error) => error.text).join('\n')).toMatch(/node:fs/)
  }, 60_000)
})
