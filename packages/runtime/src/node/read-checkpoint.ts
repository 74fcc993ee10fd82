import { join } from 'node:path'
import { CheckpointError } from '../model/checkpoint-error.js'
import { addShardTensors } from '../model/from-bytes.js'
import type { LoadedTensor } from '../model/safetensors.js'
import { JSON_LIMITS, readOptionalJsonFile } from './read-json.js'
import { readSafetensorsFile } from './read-safetensors-file.js'
import { confinedShardPath, weightMap } from './shard-paths.js'

/**
 * Reads the weights of a checkpoint folder: `model.safetensors`, or the shards listed in
 * `model.safetensors.index.json` (confined to the folder), each through positioned reads of its
 * tensors. Every header, byte range and weight is checked; a fault is a `CheckpointError` naming the
 * file and the tensor or field.
 *
 * @example
 * const tensors = await readCheckpointTensors('/models/kvtiny-7m')
 * tensors.get('model.norm.weight')?.shape // [256]
 */
export async function readCheckpointTensors(folder: string): Promise<Map<string, LoadedTensor>> {
  const indexPath = join(folder, 'model.safetensors.index.json')
  const index = await readOptionalJsonFile(indexPath, 'safetensors index', JSON_LIMITS.index)
  if (index === undefined) return readSafetensorsFile(join(folder, 'model.safetensors'))
  const map = weightMap(index, indexPath)
  const tensors = new Map<string, LoadedTensor>()
  for (const shard of new Set(map.values())) {
    const path = await confinedShardPath(folder, shard, indexPath)
    addShardTensors(tensors, await readSafetensorsFile(path, join(folder, shard)))
  }
  for (const [name, shard] of map) {
    if (tensors.get(name)?.file !== join(folder, shard)) {
      throw new CheckpointError(
        indexPath,
        `weight_map.${name}`,
        `tensor "${name}" is listed in shard "${shard}", which does not hold it`,
      )
    }
  }
  return tensors
}
