// Loaded only when the WebGPU switch is used: the kernels stay out of the CPU page's JavaScript.
import { type KvGpuContext, requestDevice } from '@kv/kernels-webgpu'
import type { LlamaConfig } from '@kv/runtime'
import { type WebGpuAccelerator, webgpuAccelerator } from '@kv/runtime/webgpu'

let context: Promise<KvGpuContext> | undefined

/** The page's one WebGPU device (both caches' accelerators share it). */
export function gpuContext(): Promise<KvGpuContext> {
  context ??= requestDevice()
  context.catch(() => {
    context = undefined
  })
  return context
}

/** An accelerator of `kind` on the shared device, for at most `maxTokens` tokens. */
export async function createAccelerator(
  config: LlamaConfig,
  kind: 'f16' | 'q4' | 'q2',
  groupSize: number,
  maxTokens: number,
): Promise<WebGpuAccelerator> {
  const { device } = await gpuContext()
  return webgpuAccelerator(config, { kind, groupSize, maxTokens, device })
}

/** What the adapter says of itself, or why there is none. */
export async function describeAdapter(): Promise<string> {
  const { adapterInfo } = await gpuContext()
  return [adapterInfo.vendor, adapterInfo.architecture, adapterInfo.description].filter(Boolean).join(' · ')
}
