/** Throws unless `value` is an integer at least `min`. */
export function checkInteger(where: string, name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`${where}: ${name} must be an integer ≥ ${min}, got ${String(value)}`)
  }
}

/** Throws unless `speedup` is a finite number ≥ 1 (1 means every layer runs). */
export function checkSpeedup(where: string, speedup: number): void {
  if (typeof speedup !== 'number' || !Number.isFinite(speedup) || speedup < 1) {
    throw new RangeError(`${where}: speedup must be a finite number ≥ 1, got ${String(speedup)}`)
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
