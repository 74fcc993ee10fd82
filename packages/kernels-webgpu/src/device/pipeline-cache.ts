const cache = new WeakMap<GPUDevice, Map<string, GPUComputePipeline>>()

/**
 * The compute pipeline `key` of `device`, compiled from `build()` on first use. The key must name the
 * kernel and every compile-time constant the WGSL depends on; the cache lives as long as the device.
 *
 * @example
 * const p = getPipeline(device, `dequant:b4:g32`, () => dequantWgsl({ bits: 4, groupSize: 32 }))
 */
export function getPipeline(device: GPUDevice, key: string, build: () => string): GPUComputePipeline {
  let map = cache.get(device)
  if (map === undefined) {
    map = new Map()
    cache.set(device, map)
  }
  let pipeline = map.get(key)
  if (pipeline === undefined) {
    const module = device.createShaderModule({ code: build(), label: key })
    pipeline = device.createComputePipeline({
      layout: 'auto',
      compute: { module, entryPoint: 'main' },
      label: key,
    })
    map.set(key, pipeline)
  }
  return pipeline
}

/**
 * Number of pipelines cached for `device` (for tests and diagnostics).
 *
 * @example
 * cachedPipelineCount(device) // 0 before the first kernel runs
 */
export function cachedPipelineCount(device: GPUDevice): number {
  return cache.get(device)?.size ?? 0
}
