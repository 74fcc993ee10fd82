import { KvGpuFeatureError, KvGpuUnavailableError } from './errors.js'

/**
 * Features this package uses when the adapter has them.
 *
 * @example
 * await requestDevice({ optionalFeatures: [...DEFAULT_OPTIONAL_FEATURES, 'float32-filterable'] })
 */
export const DEFAULT_OPTIONAL_FEATURES: readonly GPUFeatureName[] = [
  'shader-f16',
  'timestamp-query',
  'subgroups',
]

/** Options of {@link requestDevice}. */
export interface RequestDeviceOptions {
  /** Features the device must have; a missing one throws {@link KvGpuFeatureError} naming it. */
  readonly requiredFeatures?: readonly GPUFeatureName[]
  /** Features enabled when present (default {@link DEFAULT_OPTIONAL_FEATURES}). */
  readonly optionalFeatures?: readonly GPUFeatureName[]
  /** Adapter preference, passed to `requestAdapter`. */
  readonly powerPreference?: GPUPowerPreference
  /** Node.js only: Dawn options for the `webgpu` package's `create(...)`, e.g. `['backend=vulkan']`. */
  readonly dawnOptions?: readonly string[]
}

/** A device with what the kernels need to know about it. */
export interface KvGpuContext {
  readonly device: GPUDevice
  /** Enabled features of the device. */
  readonly features: ReadonlySet<string>
  /** Vendor, architecture and description of the adapter ('' when unknown, e.g. an injected device). */
  readonly adapterInfo: {
    readonly vendor: string
    readonly architecture: string
    readonly description: string
  }
  /** Resolves when the device is lost (including `device.destroy()`), with the reason and message. */
  readonly lost: Promise<GPUDeviceLostInfo>
  /** True once `lost` has resolved. */
  readonly isLost: () => boolean
  /**
   * Destroys the device and drops this context's hold on the GPU object. In Node.js the `webgpu` package
   * keeps the process alive while its GPU object is referenced, and stops working once it is collected,
   * so the context holds it until `dispose`.
   */
  readonly dispose: () => void
}

async function findGpu(dawnOptions: readonly string[]): Promise<GPU> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator
  if (nav?.gpu !== undefined) return nav.gpu
  const isNode = typeof process !== 'undefined' && process.versions?.node !== undefined
  if (!isNode)
    throw new KvGpuUnavailableError('requestDevice: this browser has no navigator.gpu (WebGPU is off)')
  // A computed specifier keeps bundlers for the browser from pulling the native Node.js addon in.
  const specifier = 'webgpu'
  let mod: { create: (options: string[]) => GPU }
  try {
    mod = (await import(/* @vite-ignore */ specifier)) as typeof mod
  } catch (error) {
    throw new KvGpuUnavailableError(
      `requestDevice: Node.js needs the 'webgpu' package (Dawn), an optional peer of @kv/kernels-webgpu: ` +
        `npm install webgpu (${(error as Error).message})`,
    )
  }
  try {
    return mod.create([...dawnOptions])
  } catch (error) {
    throw new KvGpuUnavailableError(`requestDevice: Dawn could not start (${(error as Error).message})`)
  }
}

/**
 * Acquires a GPU device: `navigator.gpu` in browsers, the `webgpu` package (Dawn) in Node.js. Required
 * features that the adapter lacks throw {@link KvGpuFeatureError}; optional ones are enabled when present;
 * no adapter throws {@link KvGpuUnavailableError} (catch it to fall back to the CPU). Limits are raised to
 * the adapter's for buffer sizes and workgroup storage, which long caches need.
 *
 * @example
 * const ctx = await requestDevice({ optionalFeatures: ['shader-f16'] })
 * ctx.lost.then((info) => console.warn('GPU lost:', info.message))
 */
export async function requestDevice(options: RequestDeviceOptions = {}): Promise<KvGpuContext> {
  const gpu = await findGpu(options.dawnOptions ?? [])
  const adapter = await gpu
    .requestAdapter(
      options.powerPreference === undefined ? undefined : { powerPreference: options.powerPreference },
    )
    .catch((error: unknown) => {
      throw new KvGpuUnavailableError(`requestDevice: requestAdapter failed (${(error as Error).message})`)
    })
  if (adapter === null) {
    throw new KvGpuUnavailableError(
      'requestDevice: no WebGPU adapter (no GPU, or no Vulkan/Metal/D3D driver)',
    )
  }
  const required = options.requiredFeatures ?? []
  const missing = required.filter((f) => !adapter.features.has(f))
  if (missing.length > 0) throw new KvGpuFeatureError(missing)
  const optional = (options.optionalFeatures ?? DEFAULT_OPTIONAL_FEATURES).filter((f) =>
    adapter.features.has(f),
  )
  const features = [...new Set([...required, ...optional])]
  const l = adapter.limits
  const device = await adapter.requestDevice({
    requiredFeatures: features,
    requiredLimits: {
      maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
      maxBufferSize: l.maxBufferSize,
      maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
      maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
      maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
      maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
    },
  })
  const info = adapter.info
  return contextOf(device, gpu, {
    vendor: info?.vendor ?? '',
    architecture: info?.architecture ?? '',
    description: info?.description ?? '',
  })
}

function contextOf(
  device: GPUDevice,
  gpu: GPU | undefined,
  adapterInfo: KvGpuContext['adapterInfo'],
): KvGpuContext {
  let lostFlag = false
  let held: GPU | undefined = gpu
  const lost = device.lost.then((info) => {
    lostFlag = true
    return info
  })
  return {
    device,
    features: new Set([...device.features] as string[]),
    adapterInfo,
    lost,
    isLost: () => lostFlag,
    dispose: () => {
      device.destroy()
      held = undefined
    },
    // The getter keeps `held` reachable for as long as the context is.
    get gpu() {
      return held
    },
  } as KvGpuContext
}

/**
 * Wraps a device the application already has (its own engine's), so the kernels share it.
 *
 * @example
 * const ctx = initFromDevice(await adapter.requestDevice())
 */
export function initFromDevice(device: GPUDevice): KvGpuContext {
  if (device === null || typeof device !== 'object' || typeof device.createComputePipeline !== 'function') {
    throw new TypeError(`initFromDevice: device must be a GPUDevice, got ${String(device)}`)
  }
  return contextOf(device, undefined, { vendor: '', architecture: '', description: '' })
}
