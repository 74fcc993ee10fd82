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
