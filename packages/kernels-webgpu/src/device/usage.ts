/**
 * GPUBufferUsage and GPUMapMode flags as numbers: the WebGPU globals exist in browsers but not in Node.js
 * unless the `webgpu` package's globals are installed, and this package must not install globals.
 *
 * @example
 * device.createBuffer({ size: 64, usage: BufferUsage.STORAGE | BufferUsage.COPY_SRC })
 */
export const BufferUsage = {
  MAP_READ: 0x0001,
  MAP_WRITE: 0x0002,
  COPY_SRC: 0x0004,
  COPY_DST: 0x0008,
  UNIFORM: 0x0040,
  STORAGE: 0x0080,
  QUERY_RESOLVE: 0x0200,
} as const

/** GPUMapMode.READ (internal). */
export const MapModeRead = 0x0001
