import { createReadStream, existsSync, statSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { extname, join, normalize, sep } from 'node:path'
import { createGzip } from 'node:zlib'

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.safetensors': 'application/octet-stream',
}
const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.json', '.svg'])

/** A running playground server. */
export interface PlaygroundServer {
  readonly server: Server
  readonly url: string
  close(): Promise<void>
}

/**
 * Serves a built playground (`dist/`) on 127.0.0.1: static files only, gzip for text when the browser
 * accepts it, hashed assets cacheable for a year, nothing outside the folder.
 */
export async function servePlayground(folder: string, port = 0): Promise<PlaygroundServer> {
  if (!existsSync(join(folder, 'index.html'))) {
    throw new Error(
      `playground: ${folder} has no index.html; build it first (pnpm --filter @kv/playground run build)`,
    )
  }
  const root = normalize(folder + sep)
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname)
    const file = normalize(join(root, path === '/' ? 'index.html' : path))
    if (!file.startsWith(root) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${path}`)
      return
    }
    const ext = extname(file)
    const headers: Record<string, string> = {
      'content-type': TYPES[ext] ?? 'application/octet-stream',
      'cache-control': path.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
    }
    const gzip = COMPRESSIBLE.has(ext) && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))
    if (gzip) {
      res.writeHead(200, { ...headers, 'content-encoding': 'gzip', vary: 'accept-encoding' })
      createReadStream(file)
        .pipe(createGzip({ level: 9 }))
        .pipe(res)
    } else {
      res.writeHead(200, { ...headers, 'content-length': String(statSync(file).size) })
      createReadStream(file).pipe(res)
    }
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', resolve)
  })
  const { port: bound } = server.address() as AddressInfo
  return {
    server,
    url: `http://127.0.0.1:${bound}/`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
