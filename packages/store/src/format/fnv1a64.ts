/**
 * FNV-1a, 64-bit, over any number of byte pieces: a fast, platform-neutral, non-cryptographic hash (the
 * same bytes give the same hash in Node and every browser, with or without WebCrypto). Four 16-bit limbs
 * so that each multiplication by the FNV prime 2^40 + 0x1b3 stays exact in doubles.
 */
export class Fnv1a64 {
  private v0 = 0x2325
  private v1 = 0x8422
  private v2 = 0x9ce4
  private v3 = 0xcbf2

  /** Feeds bytes; returns this for chaining. */
  update(bytes: Uint8Array): this {
    let v0 = this.v0
    let v1 = this.v1
    let v2 = this.v2
    let v3 = this.v3
    for (let i = 0; i < bytes.length; i++) {
      v0 ^= bytes[i] as number
      const t0 = v0 * 435
      let t1 = v1 * 435
      let t2 = v2 * 435 + (v0 << 8)
      const t3 = v3 * 435 + (v1 << 8)
      t1 += t0 >>> 16
      v0 = t0 & 0xffff
      t2 += t1 >>> 16
      v1 = t1 & 0xffff
      v3 = (t3 + (t2 >>> 16)) & 0xffff
      v2 = t2 & 0xffff
    }
    this.v0 = v0
    this.v1 = v1
    this.v2 = v2
    this.v3 = v3
    return this
  }

  /** The 8 bytes of the hash, big-endian (the order in which FNV hashes are usually printed). */
  digest(): Uint8Array {
    const out = new Uint8Array(8)
    const limbs = [this.v3, this.v2, this.v1, this.v0]
    for (let i = 0; i < 4; i++) {
      out[2 * i] = (limbs[i] as number) >>> 8
      out[2 * i + 1] = (limbs[i] as number) & 0xff
    }
    return out
  }
}
