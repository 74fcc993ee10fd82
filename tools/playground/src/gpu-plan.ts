import type { SpecPart } from '@kv/cache'

/** What the WebGPU accelerator holds for a composed spec: its own cache kind. */
export type GpuPlan =
  | { readonly ok: true; readonly kind: 'f16' | 'q4' | 'q2'; readonly groupSize: number }
  | { readonly ok: false; readonly error: string }

const KIVI_BITS: Readonly<Record<number, 'q4' | 'q2'>> = { 4: 'q4', 2: 'q2' }

/**
 * The accelerator keeps its own copy of every token, so a CPU codec, policy or extension would change the
 * CPU cache under it (`@kv/cache` refuses that combination). On WebGPU the composed cache is therefore
 * one of the accelerator's kinds: the full cache or `fp16` → `f16`, `kivi:bits=4|2` → `q4|q2` (KIVI
 * packing on the GPU, groups of `groupSize`); anything else is refused with the reason.
 *
 * @example
 * gpuPlan(registry.parse('kivi:bits=4')) // { ok: true, kind: 'q4', groupSize: 32 }
 */
export function gpuPlan(parts: readonly SpecPart[]): GpuPlan {
  if (parts.length === 0) return { ok: true, kind: 'f16', groupSize: 32 }
  const names = parts.map((part) => part.method)
  if (parts.length === 1 && parts[0]!.method === 'fp16') return { ok: true, kind: 'f16', groupSize: 32 }
  if (parts.length === 1 && parts[0]!.method === 'kivi') {
    const bits = Number(parts[0]!.params.bits ?? 4)
    const kind = KIVI_BITS[bits]
    const groupSize = Number(parts[0]!.params.groupSize ?? 32)
    if (kind === undefined)
      return { ok: false, error: `WebGPU: the accelerator packs 4 or 2 bits, not kivi bits=${bits}` }
    return { ok: true, kind, groupSize }
  }
  const cpuOnly = names.filter((name) => name !== 'kivi' && name !== 'fp16')
  return {
    ok: false,
    error:
      `WebGPU: the accelerator keeps its own copy of every token, so ${cpuOnly.join(' + ') || names.join(' + ')} ` +
      'would change the CPU cache under it (@kv/cache refuses the combination). On WebGPU compose one of ' +
      'full, fp16 (f16 on the GPU), kivi:bits=4 (q4) or kivi:bits=2 (q2); the other methods run on the CPU path.',
  }
}
