import { describe, expect, test } from 'vitest'
import {
  cachedPipelineCount,
  getPipeline,
  initFromDevice,
  KvGpuFeatureError,
  quantizeAffineGpu,
  requestDevice,
} from '../src/index.js'
import { testContext } from './gpu-context.js'

const ctx = await testContext()

describe.skipIf(!ctx)('device acquisition and the pipeline cache', () => {
  test('optional features are enabled when present; the adapter is named', () => {
    expect(ctx!.adapterInfo.description.length).toBeGreaterThan(0)
    for (const f of ctx!.features) expect(typeof f).toBe('string')
  })

  test('a missing required feature throws naming it', async () => {
    await expect(requestDevice({ requiredFeatures: ['texture-compression-astc'] })).rejects.toThrow(
      KvGpuFeatureError,
    )
    await expect(requestDevice({ requiredFeatures: ['texture-compression-astc'] })).rejects.toThrow(
      /texture-compression-astc/,
    )
  })

  test('pipelines are cached per device and key, built lazily', async () => {
    const own = await requestDevice()
    expect(cachedPipelineCount(own.device)).toBe(0)
    const build = () => '@compute @workgroup_size(1) fn main() {}'
    const a = getPipeline(own.device, 'noop', build)
    expect(getPipeline(own.device, 'noop', build)).toBe(a)
    expect(cachedPipelineCount(own.device)).toBe(1)
    own.dispose()
  })

  test('an injected device works, and its loss (device.destroy) is observable', async () => {
    const own = await requestDevice()
    const injected = initFromDevice(own.device)
    const q = await quantizeAffineGpu(injected.device, new Float32Array([0, 1, 2, 3]), 1, 4, {
      bits: 2,
      groupSize: 4,
      axis: 'row',
    })
    expect(Array.from(q.codes)).toEqual([0b11100100])
    expect(injected.isLost()).toBe(false)
    own.device.destroy()
    const info = await injected.lost
    expect(info.reason).toBe('destroyed')
    expect(injected.isLost()).toBe(true)
    own.dispose()
  })

  test('initFromDevice refuses what is not a device', () => {
    expect(() => initFromDevice({} as GPUDevice)).toThrow(/must be a GPUDevice/)
  })
})
