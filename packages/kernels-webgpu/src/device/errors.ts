/**
 * No WebGPU adapter or device could be had (no `navigator.gpu`, no `webgpu` package, no driver). The
 * runtime catches this one to fall back to the CPU.
 *
 * @example
 * try {
 *   await requestDevice()
 * } catch (error) {
 *   if (error instanceof KvGpuUnavailableError) useCpu()
 *   else throw error
 * }
 */
export class KvGpuUnavailableError extends Error {
  override readonly name = 'KvGpuUnavailableError'
}

/**
 * The adapter lacks features the caller required. `missing` lists them.
 *
 * @example
 * await requestDevice({ requiredFeatures: ['shader-f16'] }).catch((e) => e instanceof KvGpuFeatureError)
 */
export class KvGpuFeatureError extends Error {
  override readonly name = 'KvGpuFeatureError'
  constructor(readonly missing: readonly string[]) {
    super(`requestDevice: the adapter lacks required feature(s) ${missing.join(', ')}`)
  }
}

/**
 * The device was lost (destroyed, driver reset, out of memory) while a kernel was being run.
 *
 * @example
 * ctx.lost.then((info) => console.warn(info.reason)) // 'destroyed' after device.destroy()
 */
export class KvGpuDeviceLostError extends Error {
  override readonly name = 'KvGpuDeviceLostError'
}
