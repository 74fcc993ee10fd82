import { readFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { Model } from '../decoder/model.js'
import { embeddedModelPath } from '../node/embedded-model.js'
import { parseLlamaConfig } from './config.js'
import { readCheckpointTensors } from './safetensors.js'
import { loadTokenizer } from './tokenizer.js'
import { llamaWeights } from './weights.js'

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
  const path = folder === undefined ? await embeddedModelPath() : resolve(folder)
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
