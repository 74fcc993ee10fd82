/**
 * A seeded pseudo-random generator: sfc32 (Chris Doty-Humphrey's small fast counting generator, 128-bit
 * state, passes PractRand to terabytes), its state filled from the seed by splitmix32 so that nearby
 * seeds give unrelated streams. Deterministic across platforms: only 32-bit integer arithmetic.
 *
 * @example
 * const rng = new Rng(42)
 * rng.uniform() // in [0, 1)
 * rng.normal() // standard Gaussian
 * rng.fillNormal(new Float32Array(16), 0, 0.02)
 */
export class Rng {
  private a: number
  private b: number
  private c: number
  private d: number
  /** Box–Muller makes two normals at a time; the second waits here. */
  private spare = Number.NaN

  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`Rng: seed must be a safe integer, got ${seed}`)
    // The low word seeds splitmix32 and the high word is folded into the state, so distinct safe-integer
    // seeds give distinct states (a determines the low word, then b the high one).
    let s = seed >>> 0
    const high = Math.floor(seed / 0x100000000) | 0
    const next = (): number => {
      s = (s + 0x9e3779b9) | 0
      let z = s
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
      return (z ^ (z >>> 16)) >>> 0
    }
    this.a = next()
    this.b = next() ^ high
    this.c = next()
    this.d = next() ^ Math.imul(high, 0x9e3779b9)
    for (let i = 0; i < 12; i++) this.nextUint32()
  }

  /** The next 32 random bits as an unsigned integer. */
  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0
    this.d = (this.d + 1) | 0
    this.a = this.b ^ (this.b >>> 9)
    this.b = (this.c + (this.c << 3)) | 0
    this.c = (this.c << 21) | (this.c >>> 11)
    this.c = (this.c + t) | 0
    return t >>> 0
  }

  /** Uniform in [0, 1) with 32 random bits. */
  uniform(): number {
    return this.nextUint32() / 0x100000000
  }

  /** Standard normal (mean 0, variance 1) by Box–Muller; every second call returns the cached partner. */
  normal(): number {
    const spare = this.spare
    if (!Number.isNaN(spare)) {
      this.spare = Number.NaN
      return spare
    }
    // 1 − u lies in (0, 1], so the logarithm is finite.
    const radius = Math.sqrt(-2 * Math.log(1 - this.uniform()))
    const angle = 2 * Math.PI * this.uniform()
    this.spare = radius * Math.sin(angle)
    return radius * Math.cos(angle)
  }

  /** Uniform integer in [0, n), unbiased (rejection of the incomplete last block), n ≤ 2³². */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > 0x100000000) {
      throw new RangeError(`Rng.int: n must be an integer in [1, 2^32], got ${n}`)
    }
    const limit = 0x100000000 - (0x100000000 % n)
    for (;;) {
      const x = this.nextUint32()
      if (x < limit) return x % n
    }
  }

  /** Fills `array` with Gaussian values of the given mean and standard deviation; returns it. */
  fillNormal<A extends Float32Array | Float64Array>(array: A, mean = 0, std = 1): A {
    if (!Number.isFinite(mean)) throw new RangeError(`Rng.fillNormal: mean must be finite, got ${mean}`)
    if (!(std >= 0) || !Number.isFinite(std)) {
      throw new RangeError(`Rng.fillNormal: std must be a finite number ≥ 0, got ${std}`)
    }
    for (let i = 0; i < array.length; i++) array[i] = mean + std * this.normal()
    return array
  }

  /** Fills `array` with values uniform in [lo, hi) (a draw that float32 rounds up to `hi` is redrawn). */
  fillUniform<A extends Float32Array | Float64Array>(array: A, lo = 0, hi = 1): A {
    if (!Number.isFinite(lo) || !Number.isFinite(hi) || !(lo <= hi)) {
      throw new RangeError(`Rng.fillUniform: need finite lo ≤ hi, got lo = ${lo}, hi = ${hi}`)
    }
    const width = hi - lo
    for (let i = 0; i < array.length; i++) {
      array[i] = lo + width * this.uniform()
      if (array[i]! >= hi && hi > lo) i--
    }
    return array
  }
}
