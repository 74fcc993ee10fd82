import { RANGES_WASM_BASE64 } from './ranges.generated.js'

/** The slice of the WebAssembly JS API used here (the package's `lib` has no DOM types). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean
  Module: new (bytes: Uint8Array) => object
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> }
}

interface WasmMemory {
  readonly buffer: ArrayBuffer
  grow(pages: number): number
}

interface RangesKernel {
  readonly memory: WasmMemory
  readonly groupRanges: (src: number, groups: number, groupBytes: number, dst: number) => void
  readonly columnRanges: (src: number, rows: number, rowBytes: number, dst: number) => void
}

let kernel: RangesKernel | null | undefined

function decodeBase64(text: string): Uint8Array {
  const binary = atob(text)
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return bytes
}

/** The SIMD kernel, or null where WebAssembly or its SIMD proposal is missing (then the JS path runs). */
function rangesKernel(): RangesKernel | null {
  if (kernel !== undefined) return kernel
  kernel = null
  const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly
  if (api === undefined || typeof atob !== 'function') return kernel
  try {
    const bytes = decodeBase64(RANGES_WASM_BASE64)
    if (!api.validate(bytes)) return kernel
    const { exports } = new api.Instance(new api.Module(bytes), {})
    kernel = {
      memory: exports.memory as WasmMemory,
      groupRanges: exports.groupRanges as RangesKernel['groupRanges'],
      columnRanges: exports.columnRanges as RangesKernel['columnRanges'],
    }
  } catch {
    kernel = null
  }
  return kernel
}

/**
 * Min and max of `groups` consecutive groups of `groupSize` floats (a multiple of 4) of `data` from
 * `start`, into `out[2g]`, `out[2g + 1]`, with f32x4 min/max; a NaN in a group gives a NaN there.
 * Returns false (and does nothing) where the SIMD kernel is unavailable.
 */
export function simdGroupRanges(
  data: Float32Array,
  start: number,
  groups: number,
  groupSize: number,
  out: Float32Array,
): boolean {
  const k = rangesKernel()
  if (k === null) return false
  const floats = groups * groupSize
  const buffer = memoryOf(k, floats * 4 + groups * 8)
  new Float32Array(buffer, 0, floats).set(data.subarray(start, start + floats))
  k.groupRanges(0, groups, groupSize * 4, floats * 4)
  out.set(new Float32Array(buffer, floats * 4, 2 * groups))
  return true
}

/** The kernel's memory buffer, grown to hold `bytes`. */
function memoryOf(k: RangesKernel, bytes: number): ArrayBuffer {
  const have = k.memory.buffer.byteLength
  if (bytes > have) k.memory.grow(Math.ceil((bytes - have) / 65536))
  return k.memory.buffer
}

/**
 * Per-column min (`lo[c]`) and max (`hi[c]`) over rows `[r0, r1)` of a row-major block of `cols` columns
 * (a multiple of 4), with f32x4 min/max. Returns false where the SIMD kernel is unavailable.
 */
export function simdColumnRanges(
  data: Float32Array,
  r0: number,
  r1: number,
  cols: number,
  lo: Float32Array,
  hi: Float32Array,
): boolean {
  const k = rangesKernel()
  if (k === null) return false
  const floats = (r1 - r0) * cols
  const buffer = memoryOf(k, floats * 4 + cols * 8)
  new Float32Array(buffer, 0, floats).set(data.subarray(r0 * cols, r1 * cols))
  k.columnRanges(0, r1 - r0, cols * 4, floats * 4)
  lo.set(new Float32Array(buffer, floats * 4, cols))
  hi.set(new Float32Array(buffer, floats * 4 + cols * 4, cols))
  return true
}
