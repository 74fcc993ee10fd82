import { fileURLToPath } from 'node:url'
import { heldOutDocuments } from '@kv/eval'
import type { InlineConfig, Plugin } from 'vite'

/** Characters of the held-out excerpt bundled with the page: about 2,400 tokens of kvtiny-7m's tokenizer. */
export const HELDOUT_CHARS = 9000

const VIRTUAL = 'virtual:kv-heldout'

/**
 * `virtual:kv-heldout`: the start of `@kv/eval`'s first held-out document (the MODEL_CARD's held-out
 * text, read from its npm package at build time), so that the page scores on text the model never saw
 * without shipping the 46 MB of held-out packages.
 */
export function heldOutExcerpt(): Plugin {
  return {
    name: 'kv-heldout',
    resolveId: (id) => (id === VIRTUAL ? `\0${VIRTUAL}` : undefined),
    async load(id) {
      if (id !== `\0${VIRTUAL}`) return undefined
      const [first] = await heldOutDocuments()
      if (!first) throw new Error('kv-heldout: @kv/eval returned no held-out document')
      const text = first.text.slice(0, HELDOUT_CHARS)
      return `export const heldOut = ${JSON.stringify({ name: first.name, text })}`
    },
  }
}

/** The playground's Vite settings (vite.config.ts and `buildPlayground` share them). */
export function playgroundViteConfig(outDir = 'dist'): InlineConfig {
  return {
    root: fileURLToPath(new URL('..', import.meta.url)),
    plugins: [heldOutExcerpt()],
    build: {
      outDir,
      emptyOutDir: true,
      target: 'es2022',
      // The model's files (14.7 MB of weights) stay separate assets, fetched and cached by the page.
      assetsInlineLimit: 0,
      chunkSizeWarningLimit: 2000,
    },
    server: { host: '127.0.0.1' },
    preview: { host: '127.0.0.1' },
  }
}
