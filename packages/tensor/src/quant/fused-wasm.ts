import { FUSED_WASM_BASE64 } from './fused.generated.js'

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

/** `columnSums{4,2}(codes, rows, wpr, ws, wstride, gw, out)`, byte addresses: see fused.wat. */
type ColumnSums = (
  codes: number,
  rows: number,
  wpr: number,
  ws: number,
  wstride: number,
  gw: number,
  out: number,
) => void

/** `groupDots{4,2}(codes, rows, wpr, qs, gw, out)`, byte addresses: see fused.wat. */
type GroupDots = (codes: number, rows: number, wpr: number, qs: number, gw: number, out: number) => void

/** The compiled module: its memory, its kernels and views of the memory. */
export interface FusedKernel {
  readonly memory: WasmMemory
  readonly sums4: ColumnSums
  readonly sums2: ColumnSums
  readonly dots4: GroupDots
  readonly dots2: GroupDots
  /** Views of the whole memory, renewed when it grows (making them per call would allocate). */
  words: Uint32Array
  doubles: Float64Array
}

let kernel: FusedKernel | null | undefined

function decodeBase64(text: string): Uint8Array {
  const binary = atob(text)
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return bytes
}

/**
 * The SIMD kernels, or null where WebAssembly or its SIMD proposal is missing (then the JS path runs).
 *
 * @example
 * const k = fusedKernel()
 * if (k !== null) reserveBytes(k, 4096)
 */
export function fusedKernel(): FusedKernel | null {
  if (kernel !== undefined) return kernel
  kernel = null
  const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly
  if (api === undefined || typeof atob !== 'function') return kernel
  try {
    const bytes = decodeBase64(FUSED_WASM_BASE64)
    if (!api.validate(bytes)) return kernel
    const { exports } = new api.Instance(new api.Module(bytes), {})
    const memory = exports.memory as WasmMemory
    kernel = {
      memory,
      sums4: exports.columnSums4 as ColumnSums,
      sums2: exports.columnSums2 as ColumnSums,
      dots4: exports.groupDots4 as GroupDots,
      dots2: exports.groupDots2 as GroupDots,
      words: new Uint32Array(memory.buffer),
      doubles: new Float64Array(memory.buffer),
    }
  } catch {
    kernel = null
  }
  return kernel
}

/**
 * Grows the kernel's memory to `bytes` and renews its views when the buffer changed.
 *
 * @example
 * reserveBytes(k, (outAt + cols) * 8)
 */
export function reserveBytes(k: FusedKernel, bytes: number): void {
  const have = k.memory.buffer.byteLength
  if (bytes > have) k.memory.grow(Math.ceil((bytes - have) / 65536))
  if (k.words.buffer !== k.memory.buffer) {
    k.words = new Uint32Array(k.memory.buffer)
    k.doubles = new Float64Array(k.memory.buffer)
  }
}

/**
 * Copies the first `words` code words of a block to the start of the kernel's memory (a block's `codes` may
 * be longer than its shape needs).
 *
 * @example
 * copyCodes(k, q.codes, q.rows * wordsPerRow)
 */
export function copyCodes(k: FusedKernel, codes: Uint32Array, words: number): void {
  k.words.set(codes.length === words ? codes : codes.subarray(0, words))
}
