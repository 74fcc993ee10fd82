export { bf16ArrayToF32, bf16ToF32, f32ArrayToBf16, f32ToBf16 } from './float16/bfloat16.js'
export { f16ArrayToF32, f16ToF32, f32ArrayToF16, f32ToF16 } from './float16/half.js'
export type { LowRankOptions } from './linalg/lowrank.js'
export { lowRankApprox } from './linalg/lowrank.js'
export { householderQR } from './linalg/qr.js'
export { svd } from './linalg/svd.js'
export { silu, swiglu } from './ops/activation.js'
export { dot, gemv } from './ops/gemv.js'
export { matmul, matmulTransB } from './ops/matmul.js'
export { rmsNorm } from './ops/rmsnorm.js'
export { applyRope, ropeInvFreq } from './ops/rope.js'
export { softmax } from './ops/softmax.js'
export { argsort, topK } from './ops/topk.js'
export type { OptionRange } from './options/check-options.js'
export {
  checkNumberOption,
  checkOptionKeys,
  closestKeys,
  describeRange,
  editDistance,
  MAX_OPTION_TOKENS,
} from './options/check-options.js'
export { checkDecodeOut } from './options/check-out.js'
export type { QuantAxis, QuantizedBlock, QuantizeOptions } from './quant/block.js'
export { groupCount, quantizedBytes, scaleCount } from './quant/block.js'
export { dequantizeAffine } from './quant/dequantize.js'
export { dequantizeAccumulate, dequantizeDot } from './quant/fused.js'
export { packCodes, unpackCodes } from './quant/pack.js'
export { quantizeAffine } from './quant/quantize.js'
export { selectQuantizedRows } from './quant/select.js'
export { Rng } from './random/rng.js'
export { copyArray, StateReader } from './state/state-reader.js'
export type { DType, PackedDType, StorageFor } from './tensor/dtype.js'
export {
  bytesPerElement,
  codesPerWord,
  isPackedDType,
  packedBits,
  packedDType,
  packedWords,
  storageFor,
} from './tensor/dtype.js'
export { contiguousStrides, sizeOf, Tensor } from './tensor/tensor.js'
export type { PreparedMatrix } from './wasm/prepared.js'
export { prepareMatrix, wasmSimdAvailable } from './wasm/prepared.js'
export { accumulateRowsMany, dotRowsMany } from './wasm/rows.js'
