import type { TextTokenizer } from '../model/tokenizer.js'

/**
 * Endings that the next token can still change: the start of a pattern that `decode` cleans up
 * (Hugging Face's `clean_up_tokenization_spaces`: " ." → ".", " ' " → "'", " n't" → "n't", " 's" → "'s", …),
 * longest first. A text ending in one of them waits for the next token, as one ending inside a character does.
 */
const OPEN_ENDINGS = [" n'", " 'v", " 'r", ' n', " '", ' ']

/**
 * Turns generated token ids into text pieces with a constant amount of decoding per token: only the
 * tokens since the last emitted piece are decoded, together with the tokens of that piece as context (so
 * a decoder that treats the first token specially, e.g. by stripping a leading space, gives the same text
 * as decoding everything). A piece is emitted once its text can no longer change: it ends on a complete
 * character and not on the start of a pattern that the tokenizer's decoding cleans up (a space before
 * punctuation, " '" before a space). `flush()` gives what is still held back. The pieces joined, then
 * `flush()`, equal `tokenizer.decode(allTokens)`.
 *
 * @example
 * const stream = new TextStream(tokenizer)
 * for (const id of ids) process.stdout.write(stream.push(id))
 * process.stdout.write(stream.flush())
 */
export class TextStream {
  readonly #tokenizer: TextTokenizer
  readonly #tokens: number[] = []
  /** Where the context of the next piece starts, and where the text emitted so far ends. */
  #prefix = 0
  #read = 0

  constructor(tokenizer: TextTokenizer) {
    this.#tokenizer = tokenizer
  }

  /** Adds a token; returns the new text it completes ('' while the text so far may still change). */
  push(token: number): string {
    this.#tokens.push(token)
    const { context, text } = this.#pending()
    if (text.length <= context.length || text.endsWith('\uFFFD')) return ''
    if (OPEN_ENDINGS.some((ending) => text.endsWith(ending))) return ''
    return this.#emit(context, text)
  }

  /** The text held back so far (at the end of generation): what `decode` of every token adds to the pieces. */
  flush(): string {
    const { context, text } = this.#pending()
    return text.length <= context.length ? '' : this.#emit(context, text)
  }

  #pending(): { context: string; text: string } {
    const decode = (end: number) => this.#tokenizer.decode(this.#tokens.slice(this.#prefix, end))
    const context = this.#read > this.#prefix ? decode(this.#read) : ''
    const text = this.#tokens.length > this.#prefix ? decode(this.#tokens.length) : ''
    return { context, text }
  }

  #emit(context: string, text: string): string {
    this.#prefix = this.#read
    this.#read = this.#tokens.length
    return text.slice(context.length)
  }
}
