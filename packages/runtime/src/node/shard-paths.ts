import { realpath } from 'node:fs/promises'
import { isAbsolute, join, sep, win32 } from 'node:path'
import { CheckpointError, messageOf } from '../model/checkpoint-error.js'

/** The `weight_map` of `model.safetensors.index.json`: tensor name → shard file, checked to be strings. */
export function weightMap(index: unknown, indexPath: string): Map<string, string> {
  const map = (index as { weight_map?: unknown } | null)?.weight_map
  if (typeof map !== 'object' || map === null || Array.isArray(map)) {
    throw new CheckpointError(
      indexPath,
      'weight_map',
      `"weight_map" must be an object, got ${JSON.stringify(map)}`,
    )
  }
  const shards = new Map<string, string>()
  for (const [tensor, shard] of Object.entries(map)) {
    if (typeof shard !== 'string' || shard === '') {
      throw new CheckpointError(
        indexPath,
        `weight_map.${tensor}`,
        `weight_map["${tensor}"] must be a shard file name, got ${JSON.stringify(shard)}`,
      )
    }
    shards.set(tensor, shard)
  }
  return shards
}

/**
 * The real path of shard `shard` of the model folder, confined to it: a name with a `..` segment, an
 * absolute path or a NUL is refused as written, and a symlink that resolves outside the folder is
 * refused once resolved. A missing shard is an error naming the index and the shard.
 */
export async function confinedShardPath(folder: string, shard: string, indexPath: string): Promise<string> {
  const field = `weight_map → ${shard}`
  const refuse = (detail: string): never => {
    throw new CheckpointError(indexPath, field, `shard "${shard}" ${detail}`)
  }
  if (shard.includes('\0')) refuse('contains a NUL character')
  if (isAbsolute(shard) || win32.isAbsolute(shard))
    refuse('is an absolute path; shards must be inside the model folder')
  if (shard.split(/[\\/]/).includes('..'))
    refuse('has a ".." segment; shards must be inside the model folder')
  const realFolder = await realpath(folder)
  let real: string
  try {
    real = await realpath(join(folder, shard))
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    return refuse(code === 'ENOENT' ? `is missing from ${folder}` : `cannot be resolved: ${messageOf(error)}`)
  }
  if (!real.startsWith(realFolder.endsWith(sep) ? realFolder : realFolder + sep)) {
    refuse(`resolves to ${real}, outside the model folder ${realFolder} (a symlink out of the folder)`)
  }
  return real
}
