import type { ExitSchedule } from '@kv/tensor/contracts'

/** A read of a cache entry that no token wrote. */
export interface MissingEntry {
  readonly layer: number
  /** The token whose attention read it. */
  readonly reader: number
  /** The position that was never written. */
  readonly position: number
}

/** What a run of the schedule did to a model's cache. */
export interface SimulatedCache {
  /** `written[l]`: how many positions layer l holds. */
  readonly written: Int32Array
  readonly missing: MissingEntry[]
}

/**
 * Decodes `positions` tokens one by one under `schedule`, the way the runtime does: a token that runs layer
 * l first reads layer l's entries for every earlier position (attention), then writes its own. Records
 * every read of an entry that no earlier token wrote.
 */
export function simulateCache(schedule: ExitSchedule, numLayers: number, positions: number): SimulatedCache {
  const entries = Array.from({ length: numLayers }, () => new Uint8Array(positions))
  const written = new Int32Array(numLayers)
  const missing: MissingEntry[] = []
  const mask = new Uint8Array(numLayers)
  for (let p = 0; p < positions; p++) {
    schedule.layers(p, numLayers, mask)
    for (let l = 0; l < numLayers; l++) {
      if (mask[l] === 0) continue
      const layer = entries[l]!
      // Written entries form a prefix when the schedule is sound, so checking the count is enough there;
      // otherwise find the first hole to report it.
      if (written[l]! < p) {
        for (let q = 0; q < p; q++) {
          if (layer[q] === 0) {
            missing.push({ layer: l, reader: p, position: q })
            break
          }
        }
      }
      layer[p] = 1
      written[l] = written[l]! + 1
    }
  }
  return { written, missing }
}
