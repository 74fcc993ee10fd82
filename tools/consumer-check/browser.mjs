// Bundles every browser-safe published entry for the browser (esbuild, minified) from the installed
// packages, and runs the bundles, and the README examples marked `runs-in: browser`, in headless Chromium.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { CHROMIUM, folderRoute, launchChromium, servePage } from '@kv/test-support'
import { build } from 'esbuild'

async function bundle(folder, contents, loader, minify) {
  const result = await build({
    stdin: { contents, loader, resolveDir: folder, sourcefile: 'entry' },
    absWorkingDir: folder,
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    minify,
    write: false,
    logLevel: 'silent',
  })
  const text = result.outputFiles[0].text
  if (/\bfrom\s*["']node:|\bimport\(\s*["']node:/.test(text))
    throw new Error('the bundle imports a node: module')
  return text
}

/**
 * `entries`: specifiers to bundle one by one (`typesOnly`: those allowed to export nothing at run time);
 * `examples`: README blocks for the browser. The model files of
 * @kv/model-kvtiny are served at /kvtiny-7m/, where its `new URL('../kvtiny-7m/…', import.meta.url)` points
 * from a bundle under /bundles/ (a bundler without asset handling leaves the URLs as they are).
 */
export async function runInBrowser(folder, entries, examples, typesOnly) {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is absent (apt-get install -y chromium)`)
  const files = new Map()
  const sizes = []
  for (const entry of entries) {
    const text = await bundle(
      folder,
      `import * as m from '${entry}'\nexport const count = Object.keys(m).length`,
      'js',
      true,
    )
    const name = `${entry.replace(/[@/]/g, '_')}.js`
    files.set(`/bundles/${name}`, text)
    sizes.push({ entry, name, minified: Buffer.byteLength(text), gzipped: gzipSync(text).length })
  }
  const exampleFiles = []
  for (const [i, example] of examples.entries()) {
    const name = `example-${i}.js`
    files.set(`/bundles/${name}`, await bundle(folder, example.code, example.lang, false))
    exampleFiles.push({ id: example.id, name })
  }
  const model = folderRoute('/kvtiny-7m/', join(folder, 'node_modules/@kv/model-kvtiny/kvtiny-7m'))
  const server = await servePage({
    route: (url, res) => {
      if (!files.has(url.pathname)) return model(url, res)
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(files.get(url.pathname))
      return true
    },
  })
  const browser = await launchChromium()
  const failures = []
  const ran = []
  try {
    const page = await browser.newPage()
    const logs = []
    page.on('console', (message) => logs.push(message.text()))
    page.on('pageerror', (error) => logs.push(`pageerror: ${error.message}`))
    await page.goto(server.url)
    for (const size of sizes) {
      const count = await page.evaluate(async (url) => {
        try {
          return (await import(url)).count
        } catch (error) {
          return `${error}`
        }
      }, `/bundles/${size.name}`)
      if (typeof count !== 'number') failures.push(`${size.entry}: the bundle failed in Chromium: ${count}`)
      else if (count === 0 && !typesOnly.has(size.entry))
        failures.push(`${size.entry}: the bundle exports nothing`)
      size.exports = count
    }
    for (const example of exampleFiles) {
      const started = performance.now()
      const error = await page.evaluate(async (url) => {
        try {
          await import(url)
          return undefined
        } catch (error) {
          return `${error?.stack ?? error}`
        }
      }, `/bundles/${example.name}`)
      const seconds = (performance.now() - started) / 1000
      ran.push({ id: example.id, seconds, error })
      if (error) failures.push(`${example.id} (Chromium): ${error}\n${logs.join('\n')}`)
    }
  } finally {
    await browser.close()
    server.close()
  }
  return { sizes, ran, failures }
}
