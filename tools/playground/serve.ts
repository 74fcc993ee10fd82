// `pnpm playground`: builds the page with Vite, then serves it on 127.0.0.1 (offline; PORT=… to choose).
// `--build-only` builds dist/ and exits.
import { buildPlayground } from './src/build.js'
import { servePlayground } from './src/server.js'

const folder = await buildPlayground()
if (!process.argv.includes('--build-only')) {
  const { url } = await servePlayground(folder, Number(process.env.PORT ?? 5178))
  console.log(`@kv playground: ${url} (Ctrl+C to stop)`)
}
