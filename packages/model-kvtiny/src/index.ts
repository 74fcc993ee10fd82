/**
 * @kv/model-kvtiny: the files of kvtiny-7m, the small Llama-architecture model the @kv toolkit is measured
 * on, as URLs next to this module. No `node:` import: Node reads them with `fileURLToPath`; a bundler that
 * understands `new URL('…', import.meta.url)` (webpack 5, Vite) ships them as assets for a browser to fetch;
 * elsewhere, serve the `kvtiny-7m` folder and fetch from there.
 */

/** The model's name, as in its MODEL_CARD and its `retrieval-heads.json`. */
export const KVTINY_NAME = 'kvtiny-7m'

/** The files of kvtiny-7m that a loader reads, in the standard Hugging Face layout. */
export interface KvtinyFiles {
  /** `config.json`: the Llama configuration (8 layers, hidden 256, 4 query / 2 KV heads). */
  readonly config: URL
  /** `model.safetensors`: 7,344,384 float16 weights, 14.7 MB. */
  readonly safetensors: URL
  /** `tokenizer.json`: byte-level BPE, 4,096 tokens. */
  readonly tokenizer: URL
  /** `tokenizer_config.json`: the special tokens. */
  readonly tokenizerConfig: URL
  /** `generation_config.json`: BOS and EOS ids (both 0). */
  readonly generationConfig: URL
  /** `retrieval-heads.json`: echo and induction scores of every KV head (RazorAttention, DuoAttention). */
  readonly retrievalHeads: URL
}

/**
 * Where the files of kvtiny-7m are. The folder sits beside `src/` and `dist/`, so the same relative URL
 * holds in the workspace and in the published package. Each URL is a literal, so that bundlers see it.
 *
 * @example
 * // Node
 * import { fileURLToPath } from 'node:url'
 * const folder = dirname(fileURLToPath(kvtinyFiles.config))
 * // a browser
 * const config = await (await fetch(kvtinyFiles.config)).json()
 */
export const kvtinyFiles: KvtinyFiles = {
  config: new URL('../kvtiny-7m/config.json', import.meta.url),
  safetensors: new URL('../kvtiny-7m/model.safetensors', import.meta.url),
  tokenizer: new URL('../kvtiny-7m/tokenizer.json', import.meta.url),
  tokenizerConfig: new URL('../kvtiny-7m/tokenizer_config.json', import.meta.url),
  generationConfig: new URL('../kvtiny-7m/generation_config.json', import.meta.url),
  retrievalHeads: new URL('../kvtiny-7m/retrieval-heads.json', import.meta.url),
}
