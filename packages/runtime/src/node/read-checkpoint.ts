import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { type LoadedTensor, parseSafetensors } from '../model/safetensors.js'

/**
 * Reads the weights of a checkpoint folder: `model.safetensors`, or the shards listed in
 * `model.safetensors.index.json`, one shard in memory at a time.
 *
 * @example
 * const tensors = await readCheckpointTensors('/models/kvtiny-7m')
 * tensors.get('model.norm.weight')?.shape // [256]
 */
export async function readCheckpointTensors(folder: string): Promise<Map<string, LoadedTensor>> {
  let shards: string[]
  try {
    const index = JSON.parse(await readFile(join(folder, 'model.safetensors.index.json'), 'utf8')) as {
      weight_map?: Record<string, string>
    }
    if (!index.weight_map) throw new TypeError(`${folder}/model.safetensors.index.json: missing "weight_map"`)
    shards = [...new Set(Object.values(index.weight_map))]
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    shards = ['model.safetensors']
  }
  const tensors = new Map<string, LoadedTensor>()
  for (const shard of shards) {
    const path = join(folder, shard)
    let buffer: Uint8Array
    try {
      buffer = await readFile(path)
    } catch (error) {
      throw new Error(`cannot read checkpoint shard ${path}: ${(error as Error).message}`)
    }
    for (const [name, tensor] of parseSafetensors(buffer, shard)) tensors.set(name, tensor)
  }
  return tensors
}
