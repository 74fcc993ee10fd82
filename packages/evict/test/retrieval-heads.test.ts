import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  makeCalibrationSequence,
  parseHeadScores,
  retrievalHeadScores,
  saveHeadScores,
  selectRetrievalHeads,
} from '../src/index.js'
import { softmax, TestRng } from './support/rng.js'

/**
 * Causal attention maps over `tokens`: planted induction heads put most weight on the token after the
 * previous occurrence of the query's token, planted echo heads on that occurrence, the others attend
 * locally with noise.
 */
function syntheticMaps(tokens: Int32Array, kinds: string[][], seed: number) {
  const T = tokens.length
  const rng = new TestRng(seed)
  return kinds.map((row) =>
    row.map((kind) => {
      const map = new Float32Array(T * T)
      for (let i = 0; i < T; i++) {
        const logits = new Float32Array(i + 1)
        for (let j = 0; j <= i; j++) logits[j] = rng.normal() + (i - j < 3 ? 2 : 0)
        let previous = -1
        for (let j = i - 1; j >= 0; j--) {
          if (tokens[j] === tokens[i]) {
            previous = j
            break
          }
        }
        if (previous >= 0 && kind === 'induction' && previous + 1 < i)
          logits[previous + 1] = logits[previous + 1]! + 8
        if (previous >= 0 && kind === 'echo') logits[previous] = logits[previous]! + 8
        map.set(softmax(logits, i + 1), i * T)
      }
      return map
    }),
  )
}

describe('retrieval-head detection', () => {
  it('finds planted induction and echo heads (GQA, max over the query heads of a group)', () => {
    fc.assert(
      fc.property(fc.constantFrom(7, 17, 33), fc.nat(1000), fc.nat(7), fc.nat(7), (span, seed, ind, echo) => {
        const rng = new TestRng(seed)
        const heldOut = Int32Array.from({ length: 200 }, () => rng.int(1000))
        const tokens = makeCalibrationSequence(heldOut, {
          spanLength: span,
          start: 5,
          prefix: Int32Array.of(1),
        })
        expect(tokens.length).toBe(1 + 2 * span)
        // 2 layers × 4 query heads, 2 KV heads (groups of 2).
        const kinds = [0, 1].map((l) =>
          [0, 1, 2, 3].map((q) =>
            l * 4 + q === ind ? 'induction' : l * 4 + q === echo && echo !== ind ? 'echo' : 'local',
          ),
        )
        const maps = syntheticMaps(tokens, kinds, seed)
        const scores = retrievalHeadScores((l, q) => maps[l]![q]!, tokens, {
          numLayers: 2,
          numQueryHeads: 4,
          numKVHeads: 2,
        })
        const indKV = [Math.floor(ind / 4), Math.floor((ind % 4) / 2)] as const
        for (let l = 0; l < 2; l++) {
          for (let h = 0; h < 2; h++) {
            if (l === indKV[0] && h === indKV[1]) expect(scores.induction[l]![h]).toBeGreaterThan(0.5)
            else expect(scores.induction[l]![h]).toBeLessThan(0.3)
          }
        }
        const flags = selectRetrievalHeads(scores, 0.25, { echoShare: 0 })
        expect(flags[indKV[0]]![indKV[1]]).toBe(true)
        expect(flags.flat().filter(Boolean).length).toBe(1)
      }),
    )
  })

  it('mean aggregation averages the query heads of a group', () => {
    const tokens = makeCalibrationSequence(
      Int32Array.from({ length: 20 }, (_, i) => i),
      { spanLength: 10 },
    )
    const maps = syntheticMaps(tokens, [['induction', 'local']], 1)
    const max = retrievalHeadScores((_, q) => maps[0]![q]!, tokens, {
      numLayers: 1,
      numQueryHeads: 2,
      numKVHeads: 1,
    })
    const mean = retrievalHeadScores((_, q) => maps[0]![q]!, tokens, {
      numLayers: 1,
      numQueryHeads: 2,
      numKVHeads: 1,
      aggregate: 'mean',
    })
    expect(mean.induction[0]![0]).toBeLessThan(max.induction[0]![0]!)
    expect(mean.induction[0]![0]).toBeGreaterThan(max.induction[0]![0]! / 2)
  })

  it('rejects sequences without repeats and maps of the wrong size', () => {
    const tokens = Int32Array.from({ length: 5 }, (_, i) => i)
    expect(() =>
      retrievalHeadScores(() => new Float32Array(25), tokens, {
        numLayers: 1,
        numQueryHeads: 1,
        numKVHeads: 1,
      }),
    ).toThrow('no repeated token')
    const rep = makeCalibrationSequence(tokens, { spanLength: 4 })
    expect(() =>
      retrievalHeadScores(() => new Float32Array(3), rep, { numLayers: 1, numQueryHeads: 1, numKVHeads: 1 }),
    ).toThrow('attention(0, 0) must have 8×8 = 64 entries, got 3')
    expect(() =>
      retrievalHeadScores(() => new Float32Array(64), rep, { numLayers: 1, numQueryHeads: 3, numKVHeads: 2 }),
    ).toThrow('multiple of numKVHeads')
    expect(() => makeCalibrationSequence(tokens, { spanLength: 4, start: 3 })).toThrow(
      'must lie inside tokens of length 5',
    )
  })
})

describe('head-score artefact', () => {
  const scores = {
    model: 'kvtiny-7m',
    numLayers: 2,
    numKVHeads: 3,
    echo: [
      [0.1, 0.2, 0.3],
      [0, 0, 1],
    ],
    induction: [
      [1, 0, 0],
      [0.5, 0.25, 0],
    ],
  }

  it('round-trips through JSON', () => {
    expect(parseHeadScores(saveHeadScores(scores))).toEqual(scores)
    expect(JSON.parse(saveHeadScores(scores))).toEqual(scores)
  })

  it('names the offending field', () => {
    expect(() => parseHeadScores('{')).toThrow('parseHeadScores: input is not valid JSON')
    expect(() => parseHeadScores({ ...scores, numLayers: 3 })).toThrow(
      'echo must be an array of 3 rows (numLayers), got an array of length 2',
    )
    expect(() =>
      parseHeadScores({
        ...scores,
        induction: [
          [1, 0],
          [0, 0, 0],
        ],
      }),
    ).toThrow('induction[0] must be an array of 3 numbers (numKVHeads), got an array of length 2')
    expect(() =>
      parseHeadScores({
        ...scores,
        echo: [
          [0, 0, 'x'],
          [0, 0, 0],
        ],
      }),
    ).toThrow('echo[0][2] must be a finite number, got "x"')
    expect(() => parseHeadScores({ ...scores, model: 3 })).toThrow('model must be a string, got 3')
    expect(() => parseHeadScores([])).toThrow('expected an object')
  })

  it('selects ~15% heads: 1/15 of them by echo, the rest by induction', () => {
    const big = {
      model: '',
      numLayers: 10,
      numKVHeads: 6,
      echo: Array.from({ length: 10 }, (_, l) =>
        Array.from({ length: 6 }, (_, h) => (l === 9 && h === 5 ? 1 : 0)),
      ),
      induction: Array.from({ length: 10 }, (_, l) => Array.from({ length: 6 }, (_, h) => (l * 6 + h) / 60)),
    }
    const flags = selectRetrievalHeads(big, 0.25) // 15 heads: 1 by echo, 14 by induction
    expect(flags.flat().filter(Boolean).length).toBe(15)
    expect(flags[9]![5]).toBe(true)
    expect(flags[0]![0]).toBe(false)
    expect(() => selectRetrievalHeads(big, -0.1)).toThrow(
      'selectRetrievalHeads: fraction must be in [0, 1], got -0.1',
    )
  })
})
