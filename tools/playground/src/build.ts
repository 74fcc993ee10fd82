import { fileURLToPath } from 'node:url'
import { build } from 'vite'

/** The playground's folder (where index.html and vite.config.ts are). */
export const PLAYGROUND_ROOT = fileURLToPath(new URL('..', import.meta.url))

/**
 * Builds the page with Vite into `outDir` (default `dist/`). The config is loaded through Vite's module
 * runner, since it imports `@kv/eval` from the workspace's TypeScript sources.
 */
export async function buildPlayground(outDir = fileURLToPath(new URL('../dist/', import.meta.url))): Promise<string> {
  await build({
    root: PLAYGROUND_ROOT,
    configFile: fileURLToPath(new URL('../vite.config.ts', import.meta.url)),
    configLoader: 'runner',
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true },
  })
  return outDir
}
