// Runs in a real browser for the test files and the consumer check.
import { existsSync, readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { join, normalize } from 'node:path'
import { noteSkip } from './skip.js'

/** Debian's Chromium (`apt-get install -y chromium`); `.ci/run` installs it. */
export const CHROMIUM = '/usr/bin/chromium'

export function haveChromium() {
  if (existsSync(CHROMIUM)) return true
  noteSkip(`${CHROMIUM} is absent: the browser tests are skipped (apt-get install -y chromium)`)
  return false
}

/** This machine has no network: no first-run, sync, component or QUIC traffic. */
const OFFLINE = [
  '--no-sandbox',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]
/** WebGPU in headless Chromium: its SwiftShader adapter, through Vulkan. */
const WEBGPU = ['--enable-unsafe-webgpu', '--enable-features=Vulkan']

export async function launchChromium(options = {}) {
  const { chromium } = await import('playwright-core')
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: options.webgpu ? [...OFFLINE, ...WEBGPU] : OFFLINE,
  })
}

export async function bundleForBrowser(entry) {
  const { build } = await import('esbuild')
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    metafile: true,
    logLevel: 'silent',
  })
  return { code: result.outputFiles[0].text, inputs: Object.keys(result.metafile.inputs) }
}

export async function servePage(options = {}) {
  const { bundle, route } = options
  const page = bundle === undefined ? '<title>kv</title>' : '<script type="module" src="/bundle.js"></script>'
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    if (bundle !== undefined && url.pathname === '/bundle.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle)
    } else if (route === undefined || !route(url, res)) {
      res.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html>${page}`)
    }
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${server.address().port}/`, close: () => server.close() }
}

export function folderRoute(prefix, folder) {
  return (url, res) => {
    const path = url.pathname
    if (!path.startsWith(prefix) || normalize(path).includes('..')) return false
    const file = join(folder, path.slice(prefix.length))
    if (existsSync(file)) res.writeHead(200).end(readFileSync(file))
    else res.writeHead(404).end()
    return true
  }
}

export async function runInChromium(bundle, options = {}) {
  const { webgpu = false, query, route, timeoutMs = 60_000 } = options
  const server = await servePage({ bundle, route })
  const browser = await launchChromium({ webgpu })
  try {
    const page = await browser.newPage()
    await page.goto(query === undefined ? server.url : `${server.url}?${new URLSearchParams(query)}`)
    await page.waitForFunction(() => globalThis.__kvResult !== undefined, null, { timeout: timeoutMs })
    return await page.evaluate(() => globalThis.__kvResult)
  } finally {
    await browser.close()
    server.close()
  }
}
