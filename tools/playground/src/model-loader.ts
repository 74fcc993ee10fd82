import { KVTINY_NAME, kvtinyFiles } from '@kv/model-kvtiny'
import { type Model, modelFromBytes } from '@kv/runtime'

/** The Cache API bucket the model's files are kept in; the hashed asset names change with the files. */
export const MODEL_CACHE = 'kv-playground-model'

export interface LoadedModel {
  readonly model: Model
  /** Retrieval-head scores (RazorAttention, DuoAttention read them). */
  readonly headScores: unknown
  /** Bytes fetched from the server; 0 when every file came from the browser's cache. */
  readonly networkBytes: number
  readonly cachedBytes: number
  readonly milliseconds: number
}

/**
 * Fetches a file, through the browser's Cache API when the page may use it (http(s), a secure context
 * such as 127.0.0.1): the second visit reads the 14.7 MB of weights from disk, not the server.
 */
async function cachedFetch(url: URL, counts: { network: number; cached: number }): Promise<Response> {
  const cacheable = /^https?:$/.test(url.protocol) && typeof caches !== 'undefined'
  const bucket = cacheable ? await caches.open(MODEL_CACHE).catch(() => undefined) : undefined
  const hit = await bucket?.match(url)
  if (hit) {
    const bytes = await hit.clone().arrayBuffer()
    counts.cached += bytes.byteLength
    return hit
  }
  const response = await fetch(url)
  if (!response.ok) throw new Error(`GET ${url.pathname}: HTTP ${response.status} ${response.statusText}`)
  const bytes = await response.clone().arrayBuffer()
  counts.network += bytes.byteLength
  if (bucket) await bucket.put(url, response.clone()).catch(() => undefined)
  return response
}

/** Loads kvtiny-7m in the page from the files `@kv/model-kvtiny` names (Vite serves them as assets). */
export async function loadPlaygroundModel(): Promise<LoadedModel> {
  const start = performance.now()
  const counts = { network: 0, cached: 0 }
  const json = async (url: URL) => (await cachedFetch(url, counts)).json()
  const [config, weights, tokenizer, tokenizerConfig, headScores] = await Promise.all([
    json(kvtinyFiles.config),
    cachedFetch(kvtinyFiles.safetensors, counts).then((r) => r.arrayBuffer()),
    json(kvtinyFiles.tokenizer),
    json(kvtinyFiles.tokenizerConfig),
    json(kvtinyFiles.retrievalHeads),
  ])
  const model = modelFromBytes({
    config,
    safetensors: new Uint8Array(weights),
    tokenizer: { json: tokenizer, config: tokenizerConfig },
    name: KVTINY_NAME,
  })
  return {
    model,
    headScores,
    networkBytes: counts.network,
    cachedBytes: counts.cached,
    milliseconds: performance.now() - start,
  }
}
