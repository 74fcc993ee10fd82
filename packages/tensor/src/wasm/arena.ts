import { KERNELS_WASM_BASE64 } from './kernels.generated.js'

/** The slice of the WebAssembly JS API used here (typed locally: the package's `lib` has no DOM types). */
interface WasmMemory {
  readonly buffer: ArrayBuffer
  grow(pages: number): number
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean
  Module: new (bytes: Uint8Array) => object
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> }
  Memory: new (descriptor: { initial: number }) => WasmMemory
}

/** The exports of kernels.wat; pointers are byte offsets, sizes are floats. */
interface Kernels {
  gemv(w: number, x: number, out: number, rows: number, stride: number): void
  matmulTransB(
    w: number,
    x: number,
    out: number,
    rows: number,
    stride: number,
    tokens: number,
    panel: number,
  ): void
}

const PAGE_BYTES = 65536
/** Prepared weights start on cache-line boundaries. */
const ALIGN_BYTES = 64
/** wasm32 addresses: at most 65536 pages. */
const MAX_BYTES = 2 ** 32

/**
 * One WebAssembly memory shared by every prepared matrix: weights are bump-allocated from the bottom
 * (never freed: they live as long as the model), and each call's x/X and out are staged in a scratch region
 * just above the last weight. Growing the memory detaches the old `ArrayBuffer`, so `f32` is re-created
 * after every grow and callers must read it afresh on every call, never keep it.
 *
 * @example
 * const arena = sharedArena()
 * if (arena !== null) {
 *   const at = arena.allocate(16) // byte offset of 16 floats
 *   arena.f32.fill(1, at >> 2, (at >> 2) + 16)
 * }
 */
export class WasmArena {
  readonly kernels: Kernels
  f32: Float32Array
  private readonly memory: WasmMemory
  private top = 0

  constructor(api: WasmApi, bytes: Uint8Array) {
    this.memory = new api.Memory({ initial: 1 })
    const instance = new api.Instance(new api.Module(bytes), { env: { memory: this.memory } })
    this.kernels = instance.exports as unknown as Kernels
    this.f32 = new Float32Array(this.memory.buffer)
  }

  /** Byte offset of a new block of `floats` floats, kept for good; past 4 GiB it throws, changing nothing. */
  allocate(floats: number): number {
    const offset = this.top
    this.reserve('prepareMatrix', offset + floats * 4)
    this.top = align(offset + floats * 4)
    return offset
  }

  /** Byte offset of `floats` floats of scratch, valid until the next `allocate` or `scratch` call. */
  scratch(floats: number): number {
    this.reserve('PreparedMatrix', this.top + floats * 4)
    return this.top
  }

  /** Grows the memory to hold `end` bytes and refreshes `f32`. */
  private reserve(fn: string, end: number): void {
    const have = this.memory.buffer.byteLength
    if (end <= have) return
    if (end > MAX_BYTES) {
      throw new RangeError(`${fn}: WebAssembly memory would need ${end} bytes, over the 4 GiB limit`)
    }
    // Grow geometrically so that preparing a model's many matrices grows (and copies) O(log n) times.
    const pages = Math.ceil(Math.min(MAX_BYTES, Math.max(end, have * 1.5)) / PAGE_BYTES)
    this.memory.grow(pages - have / PAGE_BYTES)
    this.f32 = new Float32Array(this.memory.buffer)
  }
}

function align(bytes: number): number {
  return Math.ceil(bytes / ALIGN_BYTES) * ALIGN_BYTES
}

let shared: WasmArena | null | undefined

/**
 * The process-wide arena, created on first use, or null where WebAssembly or its SIMD proposal is
 * unavailable.
 *
 * @example
 * const backend = sharedArena() === null ? 'js' : 'wasm-simd'
 */
export function sharedArena(): WasmArena | null {
  if (shared !== undefined) return shared
  shared = null
  const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly
  if (api === undefined) return shared
  const bytes = decodeBase64(KERNELS_WASM_BASE64)
  try {
    if (api.validate(bytes)) shared = new WasmArena(api, bytes)
  } catch {
    // A host that validates the module but refuses to compile it synchronously (a browser main thread
    // with a small module limit) or to instantiate it: the JS kernels are the answer there too.
    shared = null
  }
  return shared
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'

/**
 * Base64 to bytes without `Buffer` or `atob`, so the module loads in any JS host.
 *
 * @example
 * decodeBase64('AGFzbQ==') // Uint8Array [0, 97, 115, 109] ('\0asm')
 */
export function decodeBase64(text: string): Uint8Array {
  const clean = text.replace(/=+$/, '')
  const out = new Uint8Array((clean.length * 3) >> 2)
  let bits = 0
  let value = 0
  let o = 0
  for (let i = 0; i < clean.length; i++) {
    const digit = ALPHABET.indexOf(clean[i]!)
    if (digit < 0) throw new TypeError(`decodeBase64: invalid character ${JSON.stringify(clean[i])} at ${i}`)
    value = (value << 6) | digit
    bits += 6
    if (bits >= 8) {
      bits -= 8
      out[o++] = (value >> bits) & 0xff
    }
  }
  return out
}
