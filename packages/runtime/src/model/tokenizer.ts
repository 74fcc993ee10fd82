import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Tokenizer } from '@huggingface/tokenizers'

/** A byte-level BPE tokenizer read from `tokenizer.json` (+ `tokenizer_config.json`), fully offline. */
export interface TextTokenizer {
  readonly vocabSize: number
  /** Token ids of `text`, without special tokens. */
  encode(text: string): number[]
  decode(ids: ArrayLike<number>): string
}

/** Loads the Hugging Face `tokenizers` format with `@huggingface/tokenizers` (pure JS, no network). */
export async function loadTokenizer(folder: string): Promise<TextTokenizer> {
  const path = join(folder, 'tokenizer.json')
  let json: unknown
  try {
    json = JSON.parse(await readFile(path, 'utf8'))
  } catch (error) {
    throw new Error(`cannot read tokenizer ${path}: ${(error as Error).message}`)
  }
  let config: unknown = {}
  try {
    config = JSON.parse(await readFile(join(folder, 'tokenizer_config.json'), 'utf8'))
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  const model = (json as { model?: { type?: string; vocab?: Record<string, number> } }).model
  if (model?.type !== 'BPE')
    throw new TypeError(`${path}: model.type "${model?.type}" is not supported (only BPE)`)
  const tokenizer = new Tokenizer(json as object, config as object)
  const vocabSize = tokenizer.get_vocab(true).size
  return {
    vocabSize,
    encode: (text) => tokenizer.encode(text, { add_special_tokens: false }).ids,
    decode: (ids) => tokenizer.decode(Array.from(ids), { skip_special_tokens: false }),
  }
}
