export type { GearLParams, GearOptions, GearParams } from './gear/codec.js'
export { gear, gearL, MAX_GEAR_ITERATIONS, MAX_GEAR_RANK } from './gear/codec.js'
export type { GearBlock, GearEncodeOptions } from './gear/gear-block.js'
export { accumulateGear, decodeGear, dotGear, encodeGear, gearBytes, selectGear } from './gear/gear-block.js'
export type { LowRankTerm } from './gear/lowrank-term.js'
export type { Outliers } from './gear/outliers.js'
export { outliersPerSide } from './gear/outliers.js'
export { gearLMethod, gearMethod, kiviMethod, mikvMethod, quantMethods } from './methods.js'
export { BALANCE_LIMIT, balancerFromPrompt } from './mikv/balancer.js'
export type { MikvParams, MixedPrecisionCodec, MixedPrecisionOptions } from './mikv/codec.js'
export { mixedPrecision } from './mikv/codec.js'
export type { ImportanceTiersOptions } from './mikv/importance-tiers.js'
export { importanceTiers, slotsToDemote } from './mikv/importance-tiers.js'
export type { HighTier, MixedBlock, MixedEncodeOptions } from './mikv/mixed-block.js'
export {
  accumulateMixed,
  decodeMixed,
  dotMixed,
  encodeMixed,
  mixedBytes,
  selectMixed,
} from './mikv/mixed-block.js'
export type { QuantizedMatrix } from './shared/quantized-matrix.js'
export type { UniformOptions, UniformParams } from './uniform/codec.js'
export { uniform } from './uniform/codec.js'
export type { UniformBlock } from './uniform/kivi.js'
export {
  accumulateUniform,
  dequantizeKivi,
  dotUniform,
  quantizeKivi,
  selectUniform,
  UNIFORM_BITS,
  uniformBytes,
} from './uniform/kivi.js'
