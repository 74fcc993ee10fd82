// For the Vite CLI (`vite build --configLoader runner`, `vite dev --configLoader runner`); `pnpm playground`
// builds through src/build.ts with the same settings.
import { defineConfig } from 'vite'
import { playgroundViteConfig } from './src/vite-options.js'

export default defineConfig(playgroundViteConfig())
