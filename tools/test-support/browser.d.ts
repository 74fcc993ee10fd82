import type { ServerResponse } from 'node:http'
import type { Browser } from 'playwright-core'

/** Debian's Chromium (`apt-get install -y chromium`); `.ci/run` installs it. */
export declare const CHROMIUM: string

/**
 * Whether Chromium is installed; without it, prints once per test run that the browser tests are skipped.
 *
 * @example
 * describe.skipIf(!haveChromium())('in a real browser', () => { … })
 */
export declare function haveChromium(): boolean

/**
 * Headless Chromium with no network traffic of its own; with `webgpu`, WebGPU on its SwiftShader adapter.
 *
 * @example
 * const browser = await launchChromium({ webgpu: true })
 */
export declare function launchChromium(options?: { webgpu?: boolean }): Promise<Browser>

/**
 * The entry bundled for the browser (esbuild, ESM, not minified): the code, and the files it took in. An
 * import of a Node built-in fails here.
 *
 * @example
 * const { code, inputs } = await bundleForBrowser(fileURLToPath(new URL('./browser/entry.ts', import.meta.url)))
 */
export declare function bundleForBrowser(entry: string): Promise<{ code: string; inputs: string[] }>

/**
 * Serves a page from 127.0.0.1 on a free port: `/bundle.js` (when given) and an HTML page that loads it;
 * `route` answers any request first (it returns true when it did).
 *
 * @example
 * const server = await servePage({ route: (url, res) => url.pathname === '/x' && !!res.end('x') })
 */
export declare function servePage(options?: {
  bundle?: string
  route?: (url: URL, res: ServerResponse) => boolean
}): Promise<{ url: string; close: () => void }>

/**
 * A `route` for {@link servePage} that answers the paths under `prefix` with the files of `folder` (404
 * where there is none; paths with `..` are not answered).
 *
 * @example
 * const route = folderRoute('/model/', fileURLToPath(new URL('.', kvtinyFiles.config)))
 */
export declare function folderRoute(
  prefix: string,
  folder: string,
): (url: URL, res: ServerResponse) => boolean

/**
 * Serves the bundle, opens it in headless Chromium, waits until the page sets `globalThis.__kvResult`
 * and returns that value.
 *
 * @example
 * const result = await runInChromium(code, { webgpu: true, timeoutMs: 90_000 })
 */
export declare function runInChromium(
  bundle: string,
  options?: {
    webgpu?: boolean
    /** Search parameters of the page's URL. */
    query?: Record<string, string>
    route?: (url: URL, res: ServerResponse) => boolean
    timeoutMs?: number
  },
): Promise<unknown>
