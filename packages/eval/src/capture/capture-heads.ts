import type { Model } from '@kv/runtime'

/** Rotated keys and queries of every layer and KV head over a token stream, for retrieval benchmarks. */
export interface CapturedHeads {
  readonly headDim: number
  readonly tokens: number
  /** `keys[layer][kvHead]`: `[tokens, headDim]`, rotated at their positions inside their window. */
  readonly keys: Float32Array[][]
  /** `queries[layer][queryHead]`: `[tokens, headDim]`, rotated likewise. */
  readonly queries: Float32Array[][]
}

/**
 * Runs `stream` through the model in consecutive windows of the trained context (each starting with
 * token 0) and captures the rotated keys and queries of the chosen layers. Positions restart at every
 * window, so a key and a query of the same window are scored exactly as the model scores them.
 */
export async function captureHeads(
  model: Model,
  stream: Int32Array,
  options: {
    layers?: readonly number[]
    window?: number
    /** Stream tokens captured so far, after each window. */
    onProgress?: (done: number, total: number) => void
  } = {},
): Promise<CapturedHeads> {
  const { numLayers, numHeads, numKVHeads, headDim } = model.config
  const window = options.window ?? model.config.maxPositions
  const layers = options.layers ?? Array.from({ length: numLayers }, (_, l) => l)
  const perWindow = window - 1
  const windows = Math.ceil(stream.length / perWindow)
  const total = stream.length
  const keys = layers.map(() => Array.from({ length: numKVHeads }, () => new Float32Array(total * headDim)))
  const queries = layers.map(() => Array.from({ length: numHeads }, () => new Float32Array(total * headDim)))
  for (let w = 0; w < windows; w++) {
    const start = w * perWindow
    const length = Math.min(perWindow, total - start)
    const input = new Int32Array(length + 1)
    input.set(stream.subarray(start, start + length), 1)
    await model.prefill(input, model.createCache(), {
      lastOnly: true,
      trace: {
        onLayer: (layer, q, k) => {
          const at = layers.indexOf(layer)
          if (at < 0) return
          for (let t = 1; t <= length; t++) {
            const row = start + t - 1
            for (let h = 0; h < numKVHeads; h++) {
              keys[at]![h]!.set(
                k.subarray((t * numKVHeads + h) * headDim, (t * numKVHeads + h + 1) * headDim),
                row * headDim,
              )
            }
            for (let h = 0; h < numHeads; h++) {
              queries[at]![h]!.set(
                q.subarray((t * numHeads + h) * headDim, (t * numHeads + h + 1) * headDim),
                row * headDim,
              )
            }
          }
        },
      },
    })
    options.onProgress?.(start + length, total)
  }
  return { headDim, tokens: total, keys, queries }
}
