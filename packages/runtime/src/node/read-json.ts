import { CheckpointError, messageOf } from '../model/checkpoint-error.js'
import { readAt, withRegularFile } from './regular-file.js'

/** Size limits of the JSON files of a checkpoint folder; a larger file is refused unread. */
export const JSON_LIMITS = {
  /** `config.json`, `tokenizer_config.json`: a few kB in practice. */
  config: 16 << 20,
  /** `model.safetensors.index.json`: about 100 bytes per tensor. */
  index: 64 << 20,
  /** `tokenizer.json`: up to ~35 MB for 256k-token vocabularies. */
  tokenizer: 256 << 20,
} as const

/**
 * Reads and parses a JSON file of at most `maxBytes` bytes, a regular file only; a missing, unreadable,
 * oversized or malformed file is a `CheckpointError` naming it and `what` it is.
 */
export async function readJsonFile(
  path: string,
  what: string,
  maxBytes: number = JSON_LIMITS.config,
): Promise<unknown> {
  const bytes = await withRegularFile(path, what, async (file) => {
    if (file.size > maxBytes) {
      throw new CheckpointError(
        path,
        undefined,
        `${what} is ${file.size} bytes, more than the limit of ${maxBytes}`,
      )
    }
    const bytes = new Uint8Array(file.size)
    await readAt(file, bytes, 0, path)
    return bytes
  })
  return parseJson(bytes, path, what)
}

/** As `readJsonFile`, but a file that does not exist gives `undefined`. */
export async function readOptionalJsonFile(path: string, what: string, maxBytes?: number): Promise<unknown> {
  try {
    return await readJsonFile(path, what, maxBytes)
  } catch (error) {
    if ((error as { cause?: NodeJS.ErrnoException }).cause?.code === 'ENOENT') return undefined
    throw error
  }
}

function parseJson(bytes: Uint8Array, path: string, what: string): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch (error) {
    throw new CheckpointError(path, undefined, `${what} is not valid JSON: ${messageOf(error)}`, {
      cause: error,
    })
  }
}
