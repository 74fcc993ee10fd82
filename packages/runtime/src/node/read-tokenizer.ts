import { join } from 'node:path'
import { createTokenizer, type TextTokenizer } from '../model/tokenizer.js'
import { JSON_LIMITS, readJsonFile, readOptionalJsonFile } from './read-json.js'

/**
 * Loads `tokenizer.json` (+ `tokenizer_config.json` when present) of a checkpoint folder; a missing or
 * unreadable `tokenizer.json` is an error naming the file.
 *
 * @example
 * const tokenizer = await loadTokenizer('/models/kvtiny-7m')
 * tokenizer.decode(tokenizer.encode('Fellow citizens')) // 'Fellow citizens'
 */
export async function loadTokenizer(folder: string): Promise<TextTokenizer> {
  return withConfig(
    folder,
    await readJsonFile(join(folder, 'tokenizer.json'), 'tokenizer', JSON_LIMITS.tokenizer),
  )
}

/** The folder's tokenizer, or `undefined` when it has no `tokenizer.json` (a weights-only checkpoint). */
export async function loadTokenizerIfPresent(folder: string): Promise<TextTokenizer | undefined> {
  const json = await readOptionalJsonFile(join(folder, 'tokenizer.json'), 'tokenizer', JSON_LIMITS.tokenizer)
  return json === undefined ? undefined : withConfig(folder, json)
}

async function withConfig(folder: string, json: unknown): Promise<TextTokenizer> {
  const config = await readOptionalJsonFile(join(folder, 'tokenizer_config.json'), 'tokenizer config')
  return createTokenizer(json, config ?? {}, join(folder, 'tokenizer.json'))
}
