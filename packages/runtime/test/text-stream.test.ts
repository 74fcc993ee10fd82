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
          for (const id of ids) joined += stream.push(id)
          const whole = ids.length === 0 ? '' : tokenizer.decode(ids)
          // Text is held back only while it ends inside a character.
          if (whole.endsWith('\uFFFD')) expect(whole.startsWith(joined)).toBe(true)
          else expect(joined).toBe(whole)
        },
      ),
    )
  })

  it('streams real text piece by piece', async () => {
    const tokenizer = (await embeddedModel()).tokenizer!
    const ids = tokenizer.encode('Fellow citizens — “naïve” café, 日本語 and 🙂 too.')
    const stream = new TextStream(tokenizer)
    const pieces = ids.map((id) => stream.push(id))
    expect(pieces.join('')).toBe(tokenizer.decode(ids))
    expect(pieces.filter((piece) => piece !== '').length).toBeGreaterThan(5)
  })
})
