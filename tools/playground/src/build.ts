import { fileURLToPath } from 'node:url'
import { build } from 'vite'
import { playgroundViteConfig } from './vite-options.js'

/**
 * Builds the page with Vite into `outDir` (default `dist/`), with the settings of vite.config.ts given
 * inline, so that `@kv/eval` (TypeScript sources in the workspace) is imported by Node, not by Vite's
 * config loader.
 */
export async function buildPlayground(
  outDir = fileURLToPath(new URL('../dist/', import.meta.url)),
): Promise<string> {
  await build({ ...playgroundViteConfig(outDir), configFile: false, logLevel: 'warn' })
  return outDir
}
