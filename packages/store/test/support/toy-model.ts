/**
 * A stand-in for a model and a cache whose batched prompt and one-by-one continuation give different
 * numbers (as a compressing pipeline does), so only the chunk protocol makes warm equal cold.
 */
export class ToyCache {
  tokens: number[] = []
  acc = 0
  saveState() {
    return { tokens: Int32Array.from(this.tokens), acc: new Float64Array([this.acc]) }
  }
  loadState(state: { tokens: Int32Array; acc: Float64Array }) {
    this.tokens = Array.from(state.tokens)
    this.acc = state.acc[0] as number
  }
}

export const toyModel = {
  calls: 0,
  async prefill(tokens: ArrayLike<number>, cache: ToyCache) {
    this.calls += tokens.length
    if (cache.tokens.length === 0) {
      for (let i = 0; i < tokens.length; i++) cache.acc += Math.sqrt((tokens[i] as number) + i)
    } else {
      for (let i = 0; i < tokens.length; i++) cache.acc = cache.acc * 0.75 + Math.cbrt(tokens[i] as number)
    }
    cache.tokens.push(...Array.from(tokens))
    return new Float32Array(new Float64Array([cache.acc, cache.tokens.length]).buffer)
  },
}
