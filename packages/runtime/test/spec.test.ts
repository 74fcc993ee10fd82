import { describe, expect, it } from 'vitest'
import { METHODS, parseSpec } from '../src/index.js'

describe('pipeline specs', () => {
  it('parses methods joined by + with typed parameters', () => {
    expect(parseSpec('streaming:sinks=4,window=508+gear:bits=4,rankDecode=2')).toEqual([
      { method: 'streaming', params: { sinks: 4, window: 508 } },
      { method: 'gear', params: { bits: 4, rankDecode: 2 } },
    ])
    expect(parseSpec('full')).toEqual([])
    expect(parseSpec('mikv:balance=false')).toEqual([{ method: 'mikv', params: { balance: false } }])
  })

  it('lists the valid methods for an unknown method', () => {
    expect(() => parseSpec('streaming+gzip:level=9')).toThrow(
      `unknown method "gzip" in pipeline "streaming+gzip:level=9"; valid methods: full, ${Object.keys(METHODS).join(', ')}`,
    )
  })

  it('lists the valid parameters for an unknown parameter, and names a bad value', () => {
    expect(() => parseSpec('kivi:bitz=4')).toThrow(
      'unknown parameter "bitz" of kivi; valid parameters: bits, groupSize, residual, blockTokens',
    )
    expect(() => parseSpec('kivi:bits=four')).toThrow('parameter bits of kivi must be a number, got "four"')
    expect(() => parseSpec('kivi:bits')).toThrow('parameter "bits" of kivi needs a value')
  })
})
