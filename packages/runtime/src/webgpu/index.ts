/**
 * `@kv/runtime/webgpu`: decode attention of the cache on a WebGPU device, through `@kv/kernels-webgpu`
 * (an optional peer, loaded only here, when asked for).
 */

import type { AcceleratorShape, WebGpuAccelerator, WebGpuAcceleratorOptions } from './accelerator.js'

export type { AcceleratorShape, WebGpuAccelerator, WebGpuAcceleratorOptions } from './accelerator.js'

/** The package the accelerator runs on. */
export const KERNELS_PACKAGE = '@kv/kernels-webgpu'

/**
 * Creates WebGPU decode attention for a model's cache: pass it as `accelerator` to `model.createCache`,
 * and `model.step` awaits each layer's attention on the device. Loads `@kv/kernels-webgpu` on first use;
 * without it, throws an error that names the package to install. Without a WebGPU adapter it throws
 * `KvGpuUnavailableError` (from `@kv/kernels-webgpu`): catch it and use the plain CPU cache.
 *
 * @example
 * const accelerator = await webgpuAccelerator(model.config, { kind: 'q4' })
 * const cache = model.createCache({ accelerator })
 * const logits = await model.step(token, cache)
 */
export async function webgpuAccelerator(
  shape: AcceleratorShape,
  options: WebGpuAcceleratorOptions = {},
): Promise<WebGpuAccelerator> {
  let module: typeof import('./accelerator.js')
  try {
    module = await import('./accelerator.js')
  } catch (error) {
    if (missing(error, KERNELS_PACKAGE)) {
      throw new Error(
        `webgpuAccelerator needs the package ${KERNELS_PACKAGE}; install it next to @kv/runtime (npm install ${KERNELS_PACKAGE})`,
        { cause: error },
      )
    }
    throw error
  }
  return module.createWebGpuAccelerator(shape, options)
}

/** Whether an import failed because `name` is not installed. */
function missing(error: unknown, name: string): boolean {
  const { code, message } = error as { code?: string; message?: string }
  return (
    (code === 'ERR_MODULE_NOT_FOUND' || /Cannot find (package|module)/.test(message ?? '')) &&
    (message ?? '').includes(name)
  )
}
