import { join, resolve } from 'node:path'
import type { Model } from '../decoder/model.js'
import { parseLlamaConfig } from '../model/config.js'
import { assembleModel } from '../model/from-bytes.js'
import { embeddedModelPath } from './embedded-model.js'
import { readCheckpointTensors } from './read-checkpoint.js'
import { readJsonFile } from './read-json.js'
import { loadTokenizerIfPresent } from './read-tokenizer.js'

/**
 * Loads a Hugging Face Llama-family checkpoint folder (`config.json`, `model.safetensors` or shards, and
 * `tokenizer.json` when present), or the embedded kvtiny-7m from `@kv/model-kvtiny` when no folder is
 * given. `model.source` is the absolute folder. Without `tokenizer.json` the model takes token ids only.
 * Files are read with size limits, regular files only, shards confined to the folder; headers, byte
 * ranges, weights (finite) and the config against the tensors are checked. A bad checkpoint is a
 * `CheckpointError` naming the file and the field or tensor.
 *
 * @example
 * const model = await loadModel()
 * const cache = model.createCache({})
 * for await (const piece of model.generate('Fellow citizens,', { cache, maxTokens: 32 })) process.stdout.write(piece)
 */
export async function loadModel(folder?: string): Promise<Model> {
  const path = folder === undefined ? await embeddedModelPath() : resolve(folder)
  const configPath = join(path, 'config.json')
  const config = parseLlamaConfig(await readJsonFile(configPath, 'model config'), configPath)
  const [tensors, tokenizer] = await Promise.all([readCheckpointTensors(path), loadTokenizerIfPresent(path)])
  return assembleModel(config, tensors, tokenizer, path)
}
