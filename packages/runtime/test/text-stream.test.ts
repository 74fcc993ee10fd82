import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { TextStream } from '../src/index.js'
import { embeddedModel } from './support.js'

describe('TextStream', () => {
  it('its pieces join to the decode of every token (property: random ids, broken UTF-8 included)', async () => {
    const tokenizer = (await embeddedModel()).tokenizer!
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: tokenizer.vocabSize - 1 }), { maxLength: 120 }),
        (ids) => {
          const stream = new TextStream(tokenizer)
          let joined = ''
          for (const [i, id] of ids.entries()) {
            joined += stream.push(id)
            // every piece is final: the text so far stays the start of the decode of every token
            expect(tokenizer.decode(ids.slice(0, i + 1)).startsWith(joined)).toBe(true)
            expect(tokenizer.decode(ids).startsWith(joined)).toBe(true)
          }
          joined += stream.flush()
          expect(joined).toBe(ids.length === 0 ? '' : tokenizer.decode(ids))
          expect(stream.flush()).toBe('')
        },
      ),
    )
  })

  it('holds back text that the next token\'s clean-up can change (a space before punctuation, " \' ")', async () => {
    const tokenizer = (await embeddedModel()).tokenizer!
    // " '" then " M": decoded together they read "'M" (" ' " is cleaned up to "'"), alone " '" would stay
    const quote = tokenizer.encode(" '")
    const m = tokenizer.encode(' M')
    const stream = new TextStream(tokenizer)
    const pieces = [...quote, ...m].map((id) => stream.push(id))
    expect(pieces.join('') + stream.flush()).toBe(tokenizer.decode([...quote, ...m]))
    expect(tokenizer.decode([...quote, ...m])).toBe("'M")
  })

  it('streams real text piece by piece', async () => {
    const tokenizer = (await embeddedModel()).tokenizer!
    const ids = tokenizer.encode('Fellow citizens — “naïve” café, 日本語 and 🙂 too.')
    const stream = new TextStream(tokenizer)
    const pieces = ids.map((id) => stream.push(id))
    expect(pieces.join('') + stream.flush()).toBe(tokenizer.decode(ids))
    expect(pieces.filter((piece) => piece !== '').length).toBeGreaterThan(5)
  })
})
