import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  checkDecodeOut,
  checkNumberOption,
  checkOptionKeys,
  closestKeys,
  type OptionRange,
} from '../src/index.js'

const KNOWN = ['bits', 'groupSize', 'residual', 'blockTokens'] as const
const name = fc.stringMatching(/^[a-zA-Z_$][a-zA-Z0-9_$]{0,12}$/)

describe('checkOptionKeys', () => {
  it('accepts any subset of the known keys, refuses any other key naming it and every known key', () => {
    fc.assert(
      fc.property(fc.subarray([...KNOWN]), name, (keys, extra) => {
        const options = Object.fromEntries(keys.map((k) => [k, 1]))
        expect(() => checkOptionKeys('codec', options, KNOWN)).not.toThrow()
        if ((KNOWN as readonly string[]).includes(extra)) return
        const withExtra = { ...options, [extra]: 1 }
        expect(() => checkOptionKeys('codec', withExtra, KNOWN)).toThrow(TypeError)
        expect(() => checkOptionKeys('codec', withExtra, KNOWN)).toThrow(
          new RegExp(
            `^codec: unknown option "${extra.replace(/\$/g, '\\$')}".*; known options: ${KNOWN.join(', ')}$`,
          ),
        )
      }),
    )
  })

  it('suggests a known key one typo away (a dropped, doubled or swapped letter, another case)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...KNOWN),
        fc.nat(),
        fc.constantFrom('drop', 'double', 'upper'),
        (key, at, kind) => {
          const i = at % key.length
          const typo =
            kind === 'drop'
              ? key.slice(0, i) + key.slice(i + 1)
              : kind === 'double'
                ? key.slice(0, i) + key[i] + key.slice(i)
                : key.toUpperCase()
          fc.pre(typo !== key && typo !== '')
          expect(closestKeys(typo, KNOWN)).toContain(key)
          expect(() => checkOptionKeys('codec', { [typo]: 1 }, KNOWN)).toThrow(`"${key}"`)
        },
      ),
    )
    expect(closestKeys('zzzzzzzz', KNOWN)).toEqual([])
  })

  it('refuses what is not an options object; leaves out own keys only (no prototype keys)', () => {
    expect(() => checkOptionKeys('f', 3, KNOWN)).toThrow('f: options must be an object, got number')
    expect(() => checkOptionKeys('f', null, KNOWN)).toThrow('got null')
    expect(() => checkOptionKeys('f', [1], KNOWN)).toThrow('got an array')
    expect(() => checkOptionKeys('f', undefined, KNOWN)).not.toThrow()
    expect(() => checkOptionKeys('f', JSON.parse('{"__proto__": 1}'), KNOWN)).toThrow(
      'unknown option "__proto__"',
    )
    expect(() => checkOptionKeys('f', Object.create({ inherited: 1 }), KNOWN)).not.toThrow()
  })
})

describe('checkNumberOption', () => {
  const range: fc.Arbitrary<OptionRange> = fc.record(
    {
      integer: fc.boolean(),
      min: fc.integer({ min: -5, max: 5 }),
      max: fc.integer({ min: 5, max: 20 }),
      minExclusive: fc.boolean(),
      maxExclusive: fc.boolean(),
    },
    { requiredKeys: [] },
  )
  const value = fc.oneof(
    fc.double(),
    fc.integer({ min: -30, max: 30 }),
    fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0),
  )

  it('accepts exactly the finite numbers inside the range, returning them', () => {
    fc.assert(
      fc.property(range, value, (r, x) => {
        const inside =
          Number.isFinite(x) &&
          (!r.integer || Number.isInteger(x)) &&
          (r.min === undefined || (r.minExclusive ? x > r.min : x >= r.min)) &&
          (r.max === undefined || (r.maxExclusive ? x < r.max : x <= r.max))
        if (inside) expect(checkNumberOption('f', 'n', x, r)).toBe(x)
        else expect(() => checkNumberOption('f', 'n', x, r)).toThrow(RangeError)
      }),
    )
  })

  it('names the option, the range and the value', () => {
    expect(() => checkNumberOption('gear', 'iterations', 1e9, { integer: true, min: 1, max: 32 })).toThrow(
      'gear: iterations must be an integer in [1, 32], got 1000000000',
    )
    expect(() => checkNumberOption('t', 'keepHigh', 0, { min: 0, max: 1, minExclusive: true })).toThrow(
      't: keepHigh must be a finite number in (0, 1], got 0',
    )
    expect(() => checkNumberOption('t', 'x', '3', { min: 0 })).toThrow(
      't: x must be a finite number ≥ 0, got string "3"',
    )
  })
})

describe('checkDecodeOut', () => {
  it('refuses a buffer shorter than tokens × headDim, accepts one as long or longer', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: -3, max: 3 }),
        (t, d, extra) => {
          const out = new Float32Array(Math.max(0, t * d + extra))
          if (out.length < t * d) expect(() => checkDecodeOut('c', out, t, d)).toThrow(RangeError)
          else expect(() => checkDecodeOut('c', out, t, d)).not.toThrow()
        },
      ),
    )
    expect(() => checkDecodeOut('c', undefined, 3, 4)).not.toThrow()
  })
})
