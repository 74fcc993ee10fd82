import type { CacheOptions, CacheShape } from './kv-cache.js'

/** A composition of plug-ins that cannot work together, named part by part. */
export class CompositionError extends Error {
  override readonly name = 'CompositionError'
}

/**
 * Refuses, at `createCache`, any combination that cannot work: each message names the parts involved.
 */
export function validateComposition(shape: CacheShape, options: CacheOptions): void {
  const { codec, policy, merge, retriever, exit, accelerator } = options
  if (accelerator) {
    if (policy?.needsAttention && !accelerator.producesAttention) {
      throw new CompositionError(
        `policy ${policy.name} reads attention weights, but accelerator ${accelerator.name} does not report them`,
      )
    }
    const other = [codec, policy, merge, retriever].find((part) => part !== undefined)
    if (other) {
      throw new CompositionError(
        `accelerator ${accelerator.name} keeps its own copy of every token; ${other.name} would change the CPU cache under it (use the accelerator's own cache kind)`,
      )
    }
  }
  if (policy?.needsAttention && !shape.backendAttention) {
    throw new CompositionError(
      `policy ${policy.name} reads attention weights, but the ${shape.backend} backend does not produce them`,
    )
  }
  const policyTiers = policy?.tiers ?? 0
  if (policyTiers > 0 && (codec?.tiers ?? 1) <= policyTiers) {
    throw new CompositionError(
      `policy ${policy!.name} demotes tokens to tier ${policyTiers}, but ${codec ? `codec ${codec.name} has ${codec.tiers} tier(s)` : 'there is no codec'}; use a mixed-precision codec`,
    )
  }
  if (retriever && policy?.positionMode === 'compact') {
    throw new CompositionError(
      `retriever ${retriever.name} scores keys at their original positions, but policy ${policy.name} re-assigns positions (compact)`,
    )
  }
  if (merge && retriever) {
    throw new CompositionError(
      `layer merger ${merge.name} and retriever ${retriever.name} cannot both own a layer's keys (merged layers restore keys at attention time)`,
    )
  }
  if (merge) {
    for (const [a, b] of merge.pairs(shape.numLayers)) {
      if (!(a >= 0 && b === a + 1 && b < shape.numLayers)) {
        throw new CompositionError(
          `layer merger ${merge.name} pairs layers (${a}, ${b}) in a model of ${shape.numLayers} layers`,
        )
      }
    }
  }
  if (exit && merge) {
    const mask = new Uint8Array(shape.numLayers)
    exit.layers(0, shape.numLayers, mask)
    for (const [a, b] of merge.pairs(shape.numLayers)) {
      if (mask[a] !== mask[b]) {
        throw new CompositionError(
          `exit schedule ${exit.name} runs layer ${mask[a] ? a : b} but skips layer ${mask[a] ? b : a}, which layer merger ${merge.name} pairs`,
        )
      }
    }
  }
  if (codec) {
    for (const [name, value] of [
      ['blockTokens', codec.blockTokens],
      ['residual', codec.residual],
      ['tiers', codec.tiers],
    ] as const) {
      if (!Number.isInteger(value) || value < (name === 'residual' ? 0 : 1)) {
        throw new CompositionError(
          `codec ${codec.name}: ${name} must be a ${name === 'residual' ? 'non-negative' : 'positive'} integer, got ${value}`,
        )
      }
    }
  }
}
