export type { DType, PackedDType, StorageFor } from './tensor/dtype.js'
export { bytesPerElement, isPackedDType, packedBits, packedDType, storageFor } from './tensor/dtype.js'
export { contiguousStrides, sizeOf, Tensor } from './tensor/tensor.js'
