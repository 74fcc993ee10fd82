import type { TextTokenizer } from '../model/tokenizer.js'

/**
 * Turns generated token ids into text pieces with a constant amount of decoding per token: only the
 * tokens since the last emitted piece are decoded, together with the tokens of that piece as context (so
 * a decoder that treats the first token specially, e.g. by stripping a leading space, gives the same text
 * as decoding everything). A piece is emitted once it ends on a complete character. The pieces joined
 * equal `tokenizer.decode(allTokens)` whenever that does not end inside a character.
 *
 * @example
 * const stream = new TextStream(tokenizer)
 * for (const id of ids) process.stdout.write(stream.push(id))
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

  /** Adds a token; returns the new text it completes ('' while a character is still incomplete). */
  push(token: number): string {
    this.#tokens.push(token)
    const context =
      this.#read > this.#prefix ? this.#tokenizer.decode(this.#tokens.slice(this.#prefix, this.#read)) : ''
    const text = this.#tokenizer.decode(this.#tokens.slice(this.#prefix))
    if (text.length <= context.length || text.endsWith('\uFFFD')) return ''
    this.#prefix = this.#read
    this.#read = this.#tokens.length
    return text.slice(context.length)
  }
}
