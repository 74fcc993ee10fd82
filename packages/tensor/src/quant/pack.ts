import { checkBits } from './block.js'

/**
 * Packs `codes` (each below `2^bits`) into 32-bit words: `floor(32 / bits)` codes per word, code i of a
 * word at bits `[i·bits, (i+1)·bits)` from the least significant bit, no code straddling two words.
 *
 * @example
 * packCodes(new Uint8Array([1, 2, 3]), 4) // Uint32Array [0x321]
 */
export function packCodes(codes: Uint8Array, bits: number, out?: Uint32Array): Uint32Array {
  checkBits('packCodes', bits)
  const perWord = Math.floor(32 / bits)
  const count = codes.length
  const words = Math.ceil(count / perWord)
  if (out !== undefined && out.length < words) {
    throw new RangeError(`packCodes: out holds ${out.length} words, ${count} codes need ${words}`)
  }
  const maxCode = (1 << bits) - 1
  for (let i = 0; i < count; i++) {
    if (codes[i]! > maxCode) {
      throw new RangeError(`packCodes: codes[${i}] = ${codes[i]} does not fit in ${bits} bits`)
    }
  }
  const target = out ?? new Uint32Array(words)
  let w = 0
  for (let start = 0; start < count; start += perWord, w++) {
    const end = Math.min(count, start + perWord)
    let word = 0
    let shift = 0
    for (let i = start; i < end; i++, shift += bits) word |= codes[i]! << shift
    target[w] = word
  }
  return target
}

/**
 * Unpacks `count` codes of `bits` bits from words packed by {@link packCodes}.
 *
 * @example
 * unpackCodes(new Uint32Array([0x321]), 4, 3) // Uint8Array [1, 2, 3]
 */
export function unpackCodes(words: Uint32Array, bits: number, count: number, out?: Uint8Array): Uint8Array {
  checkBits('unpackCodes', bits)
  if (!Number.isInteger(count) || count < 0) {
    throw new RangeError(`unpackCodes: count must be a non-negative integer, got ${count}`)
  }
  const perWord = Math.floor(32 / bits)
  const needed = Math.ceil(count / perWord)
  if (words.length < needed) {
    throw new RangeError(`unpackCodes: words holds ${words.length} words, ${count} codes need ${needed}`)
  }
  if (out !== undefined && out.length < count) {
    throw new RangeError(`unpackCodes: out holds ${out.length} codes, count is ${count}`)
  }
  const target = out ?? new Uint8Array(count)
  const mask = (1 << bits) - 1
  let w = 0
  for (let start = 0; start < count; start += perWord, w++) {
    const end = Math.min(count, start + perWord)
    let word = words[w]!
    for (let i = start; i < end; i++) {
      target[i] = word & mask
      word >>>= bits
    }
  }
  return target
}
