import type { TextTokenizer } from './tokenizer.js'

/** A text method was called on a model loaded without a tokenizer (weights-only checkpoint). */
export class MissingTokenizerError extends Error {
  override readonly name = 'MissingTokenizerError'
}

/**
 * The model's tokenizer, or a `MissingTokenizerError` that says how to go on with token ids. `where`
 * names the text method in the message.
 *
 * @example
 * const ids = requireTokenizer(model, 'my summarizer').encode('Fellow citizens')
 */
export function requireTokenizer(
  model: { readonly tokenizer: TextTokenizer | undefined; readonly source: string | undefined },
  where: string,
): TextTokenizer {
  if (model.tokenizer) return model.tokenizer
  throw new MissingTokenizerError(
    `${where}: this model was loaded without a tokenizer (no tokenizer.json in ${model.source ?? 'its source'}); ` +
      'use token ids: model.prefill(ids, cache) / model.step(id, cache)',
  )
}
