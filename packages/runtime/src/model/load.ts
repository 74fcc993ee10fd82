import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Model } from '../decoder/model.js'
import { parseLlamaConfig } from './config.js'
import { readCheckpointTensors } from './safetensors.js'
import { loadTokenizer } from './tokenizer.js'
import { llamaWeights } from './weights.js'

/** The name of the embedded default model, shipped inside this package. */
export const EMBEDDED_MODEL = 'kvtiny-7m'

/** The folder of the embedded model, from the sources or from `dist`. */
export function embeddedModelPath(): string {
  let folder = dirname(fileURLToPath(import.meta.url))
  for (let up = 0; up < 4; up++) {
    const candidate = join(folder, 'models', EMBEDDED_MODEL)
    if (existsSync(join(candidate, 'config.json'))) return candidate
    folder = dirname(folder)
  }
  throw new Error(`the embedded model ${EMBEDDED_MODEL} is missing from the @kv/runtime package`)
}

/**
 * Loads a Hugging Face Llama-family checkpoint folder (`config.json`, `model.safetensors` or shards,
 * `tokenizer.json`), or the embedded default model when no folder is given.
 *
 * @example
 * const model = await loadModel()
 * const cache = model.createCache({})
 * for await (const piece of model.generate('Fellow citizens,', { cache, maxTokens: 32 })) process.stdout.write(piece)
 */
export async function loadModel(folder?: string): Promise<Model> {
  const path = folder === undefined ? embeddedModelPath() : resolve(folder)
  const configPath = join(path, 'config.json')
  let raw: unknown
  try {
    raw = JSON.parse(await readFile(configPath, 'utf8'))
  } catch (error) {
    throw new Error(`cannot read model config ${configPath}: ${(error as Error).message}`)
  }
  const config = parseLlamaConfig(raw, configPath)
  const [tensors, tokenizer] = await Promise.all([readCheckpointTensors(path), loadTokenizer(path)])
  if (tokenizer.vocabSize > config.vocabSize) {
    throw new RangeError(
      `${path}: tokenizer has ${tokenizer.vocabSize} tokens, config.vocab_size is ${config.vocabSize}`,
    )
  }
  return new Model(config, llamaWeights(tensors, config), tokenizer, path)
}
