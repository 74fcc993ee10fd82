import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { describe, expect, it } from 'vitest'

/** The root entry bundled as a browser app would bundle it, with every dependency. */
async function bundleForBrowser(entry: string) {
  return build({
    entryPoints: [fileURLToPath(new URL(entry, import.meta.url))],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    metafile: true,
    logLevel: 'silent',
  })
}

describe('@kv/runtime is platform-neutral', () => {
  it('its root entry bundles for a browser: nothing it reaches imports a node: module', async () => {
    // esbuild refuses `node:` imports on the browser platform, naming the file that has one.
    const { metafile, outputFiles } = await bundleForBrowser('../src/index.ts')
    const inputs = Object.keys(metafile.inputs)
    expect(inputs.filter((path) => path.includes('/src/node/'))).toEqual([])
    expect(inputs.some((path) => path.includes('@huggingface/tokenizers'))).toBe(true)
    expect(outputFiles[0]!.text).not.toMatch(/\bnode:[a-z]/)
  }, 60_000)

  it('its node subpath is what reads files', async () => {
    // esbuild's message lists only the first few failures; its `errors` list has all of them.
    const failure = (await bundleForBrowser('../src/node/index.ts').catch((error: unknown) => error)) as {
      errors?: { text: string }[]
    }
    expect(failure.errors?.map((error) => error.text).join('\n')).toMatch(/node:fs/)
  }, 60_000)
})
