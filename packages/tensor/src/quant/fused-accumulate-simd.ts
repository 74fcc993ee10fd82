import type { QuantizedBlock } from './block.js'
import { FUSED_ACCUMULATE_WASM_BASE64 } from './fused-accumulate.generated.js'
import { foldRowWeights, scratch64 } from './fused-scratch.js'

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

/** `columnSums{4,2}(codes, rows, wpr, ws, wstride, gw, out)`, byte addresses: see fused-accumulate.wat. */
type ColumnSums = (
  codes: number,
  rows: number,
  wpr: number,
  ws: number,
  wstride: number,
  gw: number,
  out: number,
) => void

interface Kernel {
  readonly memory: WasmMemory
  readonly sums4: ColumnSums
  readonly sums2: ColumnSums
  /** Views of the whole memory, renewed when it grows (making them per call would allocate). */
  words: Uint32Array
  doubles: Float64Array
}

let kernel: Kernel | null | undefined

function decodeBase64(text: string): Uint8Array {
  const binary = atob(text)
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return bytes
}

/** The SIMD kernels, or null where WebAssembly or its SIMD proposal is missing (then the JS path runs). */
function accumulateKernel(): Kernel | null {
  if (kernel !== undefined) return kernel
  kernel = null
  const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly
  if (api === undefined || typeof atob !== 'function') return kernel
  try {
    const bytes = decodeBase64(FUSED_ACCUMULATE_WASM_BASE64)
    if (!api.validate(bytes)) return kernel
    const { exports } = new api.Instance(new api.Module(bytes), {})
    const memory = exports.memory as WasmMemory
    kernel = {
      memory,
      sums4: exports.columnSums4 as ColumnSums,
      sums2: exports.columnSums2 as ColumnSums,
      words: new Uint32Array(memory.buffer),
      doubles: new Float64Array(memory.buffer),
    }
  } catch {
    kernel = null
  }
  return kernel
}

/** Grows the kernel's memory to `bytes` and renews its views when the buffer changed. */
function reserve(k: Kernel, bytes: number): void {
  const have = k.memory.buffer.byteLength
  if (bytes > have) k.memory.grow(Math.ceil((bytes - have) / 65536))
  if (k.words.buffer !== k.memory.buffer) {
    k.words = new Uint32Array(k.memory.buffer)
    k.doubles = new Float64Array(k.memory.buffer)
  }
}

/**
 * {@link QuantizedBlock} `row` accumulate for 4-bit or 2-bit codes (`cols` and `groupSize` whole words) with
 * the SIMD column sums: the codes are copied into the module's memory (1 KiB for 32 tokens × 64 4-bit
 * channels), the weights folded into the scales there. Returns false (and does nothing) without SIMD.
 */
export function simdAccumulateRow(
  q: QuantizedBlock,
  weights: Float32Array,
  offset: number,
  out: Float32Array,
): boolean {
  const k = accumulateKernel()
  if (k === null) return false
  const { rows, cols, bits, groupSize, codes } = q
  const perWord = 32 / bits
  const wpr = cols / perWord
  const groups = Math.ceil(cols / groupSize)
  const wsAt = (codes.length + 1) >> 1
  const minsAt = wsAt + rows * groups
  const outAt = minsAt + groups
  reserve(k, (outAt + cols) * 8)
  k.words.set(codes)
  const doubles = foldRowWeights(q, weights, offset, groups, k.doubles, wsAt)
  const sums = bits === 4 ? k.sums4 : k.sums2
  sums(0, rows, wpr, wsAt * 8, groups * 8, groupSize / perWord, outAt * 8)
  for (let g = 0, c = 0; g < groups; g++) {
    const m = doubles[minsAt + g]!
    for (const end = Math.min(cols, c + groupSize); c < end; c++) out[c]! += doubles[outAt + c]! + m
  }
  return true
}

/**
 * {@link QuantizedBlock} `column` accumulate for 4-bit or 2-bit codes (`cols` whole words) with the SIMD
 * column sums, one call per group of rows, then one scale and `min · Σ weight` per column. Returns false
 * (and does nothing) without SIMD.
 */
export function simdAccumulateColumn(
  q: QuantizedBlock,
  weights: Float32Array,
  offset: number,
  out: Float32Array,
): boolean {
  const k = accumulateKernel()
  if (k === null) return false
  const { rows, cols, bits, groupSize, codes, scales, mins } = q
  const wpr = cols / (32 / bits)
  const wsAt = (codes.length + 1) >> 1
  const outAt = wsAt + Math.min(rows, groupSize)
  reserve(k, (outAt + cols) * 8)
  k.words.set(codes)
  const doubles = k.doubles
  const sums = bits === 4 ? k.sums4 : k.sums2
  const single = rows <= groupSize
  const acc = single ? doubles : scratch64(cols).fill(0, 0, cols)
  for (let r0 = 0, s0 = 0; r0 < rows; r0 += groupSize, s0 += cols) {
    const r1 = Math.min(rows, r0 + groupSize)
    let wsum = 0
    for (let t = r0; t < r1; t++) {
      const w = weights[offset + t]!
      doubles[wsAt + t - r0] = w
      wsum += w
    }
    sums(r0 * wpr * 4, r1 - r0, wpr, wsAt * 8, 8, wpr, outAt * 8)
    if (single) {
      for (let c = 0; c < cols; c++) out[c]! += scales[c]! * doubles[outAt + c]! + mins[c]! * wsum
      return true
    }
    for (let c = 0; c < cols; c++) acc[c]! += scales[s0 + c]! * doubles[outAt + c]! + mins[s0 + c]! * wsum
  }
  for (let c = 0; c < cols; c++) out[c]! += acc[c]!
  return true
}
