export {
  encodeDispatch,
  grid,
  readBuffer,
  runDispatch,
  storageBuffer,
  uniformBuffer,
  uploadBuffer,
} from './device/buffers.js'
export { KvGpuDeviceLostError, KvGpuFeatureError, KvGpuUnavailableError } from './device/errors.js'
export { cachedPipelineCount, getPipeline } from './device/pipeline-cache.js'
export type { KvGpuContext, RequestDeviceOptions } from './device/request-device.js'
export { DEFAULT_OPTIONAL_FEATURES, initFromDevice, requestDevice } from './device/request-device.js'
export { BufferUsage } from './device/usage.js'
export type { QuantConstants } from './quant/quant-wgsl.js'
export { dequantWgsl, quantCodesWgsl, quantScalesWgsl } from './quant/quant-wgsl.js'
export type { GpuQuantizedBlock } from './quant/quantize-gpu.js'
export {
  dequantizeAffineGpu,
  encodeDequantizeAffine,
  encodeQuantizeAffine,
  quantizeAffineGpu,
} from './quant/quantize-gpu.js'
