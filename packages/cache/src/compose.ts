import type { CacheOptions, CacheShape } from './kv-cache.js'

/** A composition of plug-ins that cannot work together, named part by part. */
export class CompositionError extends Error {
  override readonly name = 'CompositionError'
}

/**
 * Refuses, when a cache is built, any combination that cannot work: each message names the parts
 * involved. Checks between the generic slots are here; an extension adds its own through `check`.
 */
export function validateComposition(shape: CacheShape, options: CacheOptions): void {
  checkShape(shape)
  const { codec, policy, accelerator } = options
  const extensions = options.extensions ?? []
  if (accelerator) {
    if (policy?.needsAttention && !accelerator.producesAttention) {
      throw new CompositionError(
        `policy ${policy.name} reads attention weights, but accelerator ${accelerator.name} does not report them`,
      )
    }
    const other = [codec, policy, ...extensions].find((part) => part !== undefined)
    if (other) {
      throw new CompositionError(
        `accelerator ${accelerator.name} keeps its own copy of every token; ${other.name} would change the CPU cache under it (use the accelerator's own cache kind)`,
      )
    }
  }
  if (policy?.needsAttention && shape.backendAttention === false) {
    throw new CompositionError(
      `policy ${policy.name} reads attention weights, but the ${shape.backend ?? 'model'} backend does not produce them`,
    )
  }
  const policyTiers = policy?.tiers ?? 0
  if (policyTiers > 0 && (codec?.tiers ?? 1) <= policyTiers) {
    throw new CompositionError(
      `policy ${policy!.name} demotes tokens to tier ${policyTiers}, but ${codec ? `codec ${codec.name} has ${codec.tiers} tier(s)` : 'there is no codec'}; use a mixed-precision codec`,
    )
  }
  if (codec) checkCodec(codec)
  const claimed = new Map<string, string>()
  for (const extension of extensions) {
    if (typeof extension?.attach !== 'function') {
      throw new CompositionError(
        `extension ${String((extension as { name?: unknown } | undefined)?.name ?? extension)} has no attach(host) method`,
      )
    }
    for (const part of extension.claims ?? []) {
      const owner = claimed.get(part)
      if (owner !== undefined) {
        throw new CompositionError(
          `extensions ${owner} and ${extension.name} both take over the ${part} of a layer`,
        )
      }
      claimed.set(part, extension.name)
    }
    const problem = extension.check?.(shape, options)
    if (problem !== undefined) throw new CompositionError(problem)
  }
}

function checkShape(shape: CacheShape): void {
  for (const name of ['numLayers', 'numKVHeads', 'numHeads', 'headDim'] as const) {
    const value = shape[name]
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(`cache shape: ${name} must be a positive integer, got ${value}`)
    }
  }
  if (shape.numHeads % shape.numKVHeads !== 0) {
    throw new RangeError(
      `cache shape: numHeads (${shape.numHeads}) must be a multiple of numKVHeads (${shape.numKVHeads})`,
    )
  }
  if (shape.headDim % 2 !== 0)
    throw new RangeError(`cache shape: headDim must be even (RoPE), got ${shape.headDim}`)
  if (!(shape.ropeTheta > 0))
    throw new RangeError(`cache shape: ropeTheta must be positive, got ${shape.ropeTheta}`)
}

function checkCodec(codec: NonNullable<CacheOptions['codec']>): void {
  for (const [name, value] of [
    ['blockTokens', codec.blockTokens],
    ['residual', codec.residual],
    ['tiers', codec.tiers],
  ] as const) {
    const valid =
      name === 'residual'
        ? value === Number.POSITIVE_INFINITY || (Number.isInteger(value) && value >= 0)
        : Number.isInteger(value) && value >= 1
    if (!valid) {
      throw new CompositionError(
        `codec ${codec.name}: ${name} must be a ${name === 'residual' ? 'non-negative integer (or Infinity: never encode)' : 'positive integer'}, got ${value}`,
      )
    }
  }
}
