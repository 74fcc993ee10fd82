import { skipWithoutAdapter } from '@kv/test-support'
import { type KvGpuContext, KvGpuUnavailableError, requestDevice } from '../src/index.js'

/** One device for a test file, or undefined (with the reason printed) where no adapter can be had. */
export async function testContext(): Promise<KvGpuContext | undefined> {
  // llvmpipe's worker threads wait for each other at every workgroup barrier; on a small machine shared
  // with other test processes that turned 0.1 s dispatches into 30 s stalls. One thread is steady.
  process.env.LP_NUM_THREADS ??= '1'
  // On a cold shader cache llvmpipe spends minutes compiling the attention kernels (most of it LLVM
  // building coroutine frames around workgroup barriers); without LLVM's optimisation passes a kernel
  // compiles about a quarter faster (84 s against 113 s for one int8 variant, measured side by side) and
  // the tests' small dispatches barely notice. Only Mesa's llvmpipe reads it; the results are checked the same.
  process.env.GALLIVM_PERF ??= 'nopt'
  try {
    return await requestDevice()
  } catch (error) {
    if (error instanceof KvGpuUnavailableError) {
      // CI sets KV_REQUIRE_GPU=1 (it installs a software adapter), so GPU suites can never skip silently there.
      skipWithoutAdapter(error.message)
      return undefined
    }
    throw error
  }
}

/** Deterministic floats in [-1, 1) from a linear congruential sequence (no Math.random in tests). */
export function lcgFloats(n: number, seed: number, scale = 1): Float32Array {
  const out = new Float32Array(n)
  let s = seed >>> 0
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    out[i] = ((s / 4294967296) * 2 - 1) * scale
  }
  return out
}

/**
 * Deterministic keys (scale 2) and values for sequences of `lengths` tokens × `heads` × `headDim`,
 * appended to `cache` in two uneven pieces each, so that partial pages are re-encoded.
 */
export function appendInPieces(
  cache: { append(seq: number, keys: Float32Array, values: Float32Array): void },
  lengths: readonly number[],
  heads: number,
  headDim: number,
): Array<{ keys: Float32Array; values: Float32Array }> {
  const kv = lengths.map((n, b) => ({
    keys: lcgFloats(n * heads * headDim, 11 + b, 2),
    values: lcgFloats(n * heads * headDim, 23 + b),
  }))
  kv.forEach(({ keys, values }, b) => {
    const cut = Math.min(lengths[b]!, 5) * heads * headDim
    cache.append(b, keys.subarray(0, cut), values.subarray(0, cut))
    cache.append(b, keys.subarray(cut), values.subarray(cut))
  })
  return kv
}

/**
 * Runs of a property on the GPU. Each run dispatches kernels on the software adapter (llvmpipe) in CI, so
 * these properties default to fewer runs than the project's 100 (`software`, chosen per property; every
 * code path is still reached, the cases' shapes are drawn to cover them). `FC_NUM_RUNS`, when set, wins:
 * a failure replays and a longer search runs exactly as asked, never capped.
 */
export function gpuRuns(software: number): number {
  const asked = process.env.FC_NUM_RUNS
  return asked === undefined ? software : Number(asked)
}
