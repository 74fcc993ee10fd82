/** Seeded PRNG for tests (mulberry32); no Math.random anywhere in properties. */
export class TestRng {
  private state: number

  constructor(seed: number) {
    this.state = seed >>> 0
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0
    let t = this.state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    const u = Math.max(this.uniform(), 1e-12)
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.uniform())
  }

  int(n: number): number {
    return Math.floor(this.uniform() * n)
  }
}

/** Softmax of `logits[0..n)` into a fresh Float32Array. */
export function softmax(logits: ArrayLike<number>, n: number): Float32Array {
  let max = Number.NEGATIVE_INFINITY
  for (let i = 0; i < n; i++) max = Math.max(max, logits[i]!)
  const out = new Float32Array(n)
  let sum = 0
  for (let i = 0; i < n; i++) {
    out[i] = Math.exp(logits[i]! - max)
    sum += out[i]!
  }
  for (let i = 0; i < n; i++) out[i] = out[i]! / sum
  return out
}
