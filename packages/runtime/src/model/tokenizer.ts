import { Tokenizer } from '@huggingface/tokenizers'
import { CheckpointError, messageOf } from './checkpoint-error.js'

/** A byte-level BPE tokenizer read from `tokenizer.json` (+ `tokenizer_config.json`), fully offline. */
export interface TextTokenizer {
  readonly vocabSize: number
  /** Token ids of `text`, without special tokens. */
  encode(text: string): number[]
  decode(ids: ArrayLike<number>): string
}

/**
 * A tokenizer from the parsed Hugging Face `tokenizers` format, through `@huggingface/tokenizers` (pure
 * JS, no network, no file system). `where` names the source in errors.
 */
export function createTokenizer(
  json: unknown,
  config: unknown = {},
  where = 'tokenizer.json',
): TextTokenizer {
  const model = (json as { model?: { type?: string } } | null)?.model
  if (model?.type !== 'BPE') {
    throw new CheckpointError(where, 'model.type', `model.type "${model?.type}" is not supported (only BPE)`)
  }
  let tokenizer: Tokenizer
  let vocabSize: number
  try {
    tokenizer = new Tokenizer(json as object, (config ?? {}) as object)
    vocabSize = tokenizer.get_vocab(true).size
  } catch (error) {
    throw new CheckpointError(where, undefined, `not a usable tokenizer: ${messageOf(error)}`, {
      cause: error,
    })
  }
  return {
    vocabSize,
    encode: (text) => tokenizer.encode(text, { add_special_tokens: false }).ids,
    decode: (ids) => tokenizer.decode(Array.from(ids), { skip_special_tokens: false }),
  }
}
