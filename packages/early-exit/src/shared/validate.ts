import { MAX_OPTION_TOKENS } from '@kv/tensor'

/** Throws unless `value` is an integer in `[min, 2²⁴]` (`MAX_OPTION_TOKENS`). */
export function checkInteger(where: string, name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`${where}: ${name} must be an integer ≥ ${min}, got ${String(value)}`)
  }
  if (value > MAX_OPTION_TOKENS) {
    throw new RangeError(`${where}: ${name} must be ≤ ${MAX_OPTION_TOKENS} (2^24), got ${value}`)
  }
}

/** Largest speed-up accepted: no model runs more layers than this, so a larger one means nothing more. */
export const MAX_SPEEDUP = 1024

/** Throws unless `speedup` is a finite number in [1, 1024] (1 means every layer runs). */
export function checkSpeedup(where: string, speedup: number): void {
  if (typeof speedup !== 'number' || !Number.isFinite(speedup) || speedup < 1 || speedup > MAX_SPEEDUP) {
    throw new RangeError(
      `${where}: speedup must be a finite number in [1, ${MAX_SPEEDUP}], got ${String(speedup)}`,
    )
  }
}

/** Throws unless `position` is a valid token position and `out` can hold a flag per layer. */
export function checkLayersCall(where: string, position: number, numLayers: number, out: Uint8Array): void {
  checkInteger(where, 'position', position, 0)
  checkInteger(where, 'numLayers', numLayers, 1)
  if (out.length < numLayers) {
    throw new RangeError(`${where}: out has length ${out.length}, needs numLayers = ${numLayers}`)
  }
}
