import { StoreFormatError } from './errors.js'

const decoder = new TextDecoder('utf-8', { fatal: true })

/**
 * Reads the payload of one verified section. Every read is bounded by what remains of the payload, so a
 * corrupt count or length fails here with the field's name instead of reading past the end or allocating.
 */
export class ByteCursor {
  private readonly view: DataView
  offset = 0

  constructor(
    readonly bytes: Uint8Array,
    private readonly section: string,
    private readonly sectionIndex: number,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  }

  get remaining(): number {
    return this.bytes.length - this.offset
  }

  fail(field: string, message: string): never {
    throw new StoreFormatError({ section: this.section, sectionIndex: this.sectionIndex, field }, message)
  }

  private need(count: number, field: string): void {
    if (count > this.remaining)
      this.fail(
        field,
        `needs ${count} more byte(s) at offset ${this.offset}, the section has ${this.remaining}`,
      )
  }

  u8(field: string): number {
    this.need(1, field)
    return this.bytes[this.offset++] as number
  }

  u32(field: string): number {
    this.need(4, field)
    const value = this.view.getUint32(this.offset, true)
    this.offset += 4
    return value
  }

  float64(field: string): number {
    this.need(8, field)
    const value = this.view.getFloat64(this.offset, true)
    this.offset += 8
    return value
  }

  /** Unsigned LEB128, at most 2^53 − 1 (8 bytes of 7 bits); anything longer is corrupt. */
  varint(field: string): number {
    let value = 0
    let scale = 1
    for (let i = 0; i < 8; i++) {
      const byte = this.u8(field)
      value += (byte & 0x7f) * scale
      if ((byte & 0x80) === 0) {
        if (!Number.isSafeInteger(value)) this.fail(field, `varint ${value} is past 2^53`)
        return value
      }
      scale *= 0x80
    }
    return this.fail(field, 'varint longer than 8 bytes')
  }

  /** A varint that counts items of at least `minBytesEach` bytes still to come in this section. */
  count(field: string, minBytesEach: number): number {
    const value = this.varint(field)
    if (value * minBytesEach > this.remaining)
      this.fail(field, `count ${value} cannot fit in the ${this.remaining} byte(s) left in the section`)
    return value
  }

  raw(length: number, field: string): Uint8Array {
    this.need(length, field)
    const out = this.bytes.subarray(this.offset, this.offset + length)
    this.offset += length
    return out
  }

  string(field: string): string {
    return this.utf8(this.count(field, 1), field)
  }

  /** `length` bytes of UTF-8. */
  utf8(length: number, field: string): string {
    const bytes = this.raw(length, field)
    try {
      return decoder.decode(bytes)
    } catch {
      return this.fail(field, 'is not valid UTF-8')
    }
  }
}
