import { checkCount, checkLength } from '../ops/check.js'
import { gemv as gemvJs } from '../ops/gemv.js'
import { matmulTransB as matmulTransBJs } from '../ops/matmul.js'
import { sharedArena, type WasmArena } from './arena.js'

/**
 * A weight matrix `[rows, cols]` resident in WebAssembly memory (or kept in JS when SIMD is unavailable),
 * copied at preparation: later changes to the source array do not reach it.
 *
 * @example
 * const w = prepareMatrix(new Float32Array([1, 2, 3, 4, 5, 6]), 2, 3)
 * const out = new Float32Array(2)
 * w.gemv(new Float32Array([1, 1, 1]), out) // out = [6, 15]
 */
export interface PreparedMatrix {
  readonly rows: number
  readonly cols: number
  readonly backend: 'wasm-simd' | 'js'
  /** out[r] = Σ_c W[r,c]·x[c] */
  gemv(x: Float32Array, out: Float32Array): void
  /** out[t, r] = Σ_c X[t,c]·W[r,c] for X [tokens, cols] → out [tokens, rows] */
  matmulTransB(x: Float32Array, tokens: number, out: Float32Array): void
  /**
   * Replaces the weight with another of the same shape, in place: a scratch matrix for operands that
   * change every call (attention's keys) costs no new memory.
   */
  load(weight: Float32Array): void
}

/** Rows of a W panel for the tiled kernel: about 96 KiB, so a panel stays in L2 while every token passes. */
const PANEL_BYTES = 96 * 1024
/** Tokens staged per kernel call, so the scratch region stays a few MiB even for a 2048-token prompt. */
const TOKEN_CHUNK = 256

function roundUp(n: number, multiple: number): number {
  return Math.ceil(n / multiple) * multiple
}

function checkCall(fn: string, m: PreparedMatrix, x: Float32Array, out: Float32Array, tokens: number): void {
  checkCount(fn, 'tokens', tokens)
  const one = fn.endsWith('gemv')
  checkLength(fn, 'x', x, tokens * m.cols, one ? 'cols' : `tokens·cols = ${tokens}·${m.cols}`)
  checkLength(fn, 'out', out, tokens * m.rows, one ? 'rows' : `tokens·rows = ${tokens}·${m.rows}`)
  if (
    out.buffer === x.buffer &&
    out.byteOffset < x.byteOffset + x.byteLength &&
    x.byteOffset < out.byteOffset + out.byteLength
  ) {
    // The JS kernels write out while reading x; refuse on both backends so they behave the same.
    throw new RangeError(`${fn}: out must not overlap x`)
  }
}

/** The fallback: a private copy of the weight and the float64-accumulating JS kernels. */
class JsMatrix implements PreparedMatrix {
  readonly backend = 'js'
  private readonly weight: Float32Array

  constructor(
    weight: Float32Array,
    readonly rows: number,
    readonly cols: number,
  ) {
    this.weight = weight.slice()
  }

  load(weight: Float32Array): void {
    checkLength(
      'PreparedMatrix.load',
      'weight',
      weight,
      this.rows * this.cols,
      `rows·cols = ${this.rows}·${this.cols}`,
    )
    this.weight.set(weight)
  }

  gemv(x: Float32Array, out: Float32Array): void {
    checkCall('PreparedMatrix.gemv', this, x, out, 1)
    gemvJs(this.weight, x, out, this.rows, this.cols)
  }

  matmulTransB(x: Float32Array, tokens: number, out: Float32Array): void {
    checkCall('PreparedMatrix.matmulTransB', this, x, out, tokens)
    matmulTransBJs(x, this.weight, out, tokens, this.cols, this.rows)
  }
}

/**
 * The weight in the arena, rows padded to a multiple of 4 and each row to a stride that is a multiple of 8
 * floats, padding zero, so the kernels have no remainders; each 4-row block interleaved by 4-column groups
 * (see kernels.wat) so the kernels stream it sequentially. x/X rows are staged row-major with the same
 * stride (their padding zeroed too: garbage there could be NaN, and NaN·0 is NaN).
 */
class WasmMatrix implements PreparedMatrix {
  readonly backend = 'wasm-simd'
  private readonly stride: number
  private readonly paddedRows: number
  private readonly offset: number
  private readonly panel: number

  constructor(
    private readonly arena: WasmArena,
    weight: Float32Array,
    readonly rows: number,
    readonly cols: number,
  ) {
    this.stride = roundUp(cols, 8)
    this.paddedRows = roundUp(rows, 4)
    this.panel = Math.max(4, Math.floor(PANEL_BYTES / (4 * this.stride)) & ~3)
    this.offset = arena.allocate(this.paddedRows * this.stride)
    this.fill(weight)
  }

  load(weight: Float32Array): void {
    checkLength(
      'PreparedMatrix.load',
      'weight',
      weight,
      this.rows * this.cols,
      `rows·cols = ${this.rows}·${this.cols}`,
    )
    this.fill(weight)
  }

  private fill(weight: Float32Array): void {
    const f32 = this.arena.f32
    const base = this.offset >> 2
    const { stride, rows, cols } = this
    f32.fill(0, base, base + this.paddedRows * stride)
    for (let r = 0; r < rows; r++) {
      const block = base + (r >> 2) * 4 * stride + (r & 3) * 4
      const src = r * cols
      for (let c = 0; c < cols; c++) f32[block + (c >> 2) * 16 + (c & 3)] = weight[src + c]!
    }
  }

  gemv(x: Float32Array, out: Float32Array): void {
    checkCall('PreparedMatrix.gemv', this, x, out, 1)
    if (this.rows === 0) return
    if (this.cols === 0) {
      out.fill(0)
      return
    }
    const xAt = this.arena.scratch(this.stride + this.paddedRows)
    const outAt = xAt + 4 * this.stride
    this.stage(x, 1, xAt)
    this.arena.kernels.gemv(this.offset, xAt, outAt, this.paddedRows, this.stride)
    out.set(this.arena.f32.subarray(outAt >> 2, (outAt >> 2) + this.rows))
  }

  matmulTransB(x: Float32Array, tokens: number, out: Float32Array): void {
    checkCall('PreparedMatrix.matmulTransB', this, x, out, tokens)
    if (this.rows === 0 || tokens === 0) return
    if (this.cols === 0) {
      out.fill(0)
      return
    }
    const chunk = Math.min(tokens, TOKEN_CHUNK)
    const xAt = this.arena.scratch(chunk * (this.stride + this.paddedRows))
    const outAt = xAt + 4 * chunk * this.stride
    for (let t0 = 0; t0 < tokens; t0 += chunk) {
      const count = Math.min(chunk, tokens - t0)
      this.stage(x.subarray(t0 * this.cols, (t0 + count) * this.cols), count, xAt)
      const { kernels } = this.arena
      kernels.matmulTransB(this.offset, xAt, outAt, this.paddedRows, this.stride, count, this.panel)
      const f32 = this.arena.f32
      const from = outAt >> 2
      if (this.paddedRows === this.rows) {
        out.set(f32.subarray(from, from + count * this.rows), t0 * this.rows)
      } else {
        for (let t = 0; t < count; t++) {
          const at = from + t * this.paddedRows
          out.set(f32.subarray(at, at + this.rows), (t0 + t) * this.rows)
        }
      }
    }
  }

  /** Copies `count` rows of `cols` floats to the byte offset `at`, as rows of `stride` with zero padding. */
  private stage(x: Float32Array, count: number, at: number): void {
    const f32 = this.arena.f32
    const base = at >> 2
    const { cols, stride } = this
    if (stride === cols) {
      f32.set(x, base)
      return
    }
    for (let t = 0; t < count; t++) {
      const row = base + t * stride
      f32.set(x.subarray(t * cols, (t + 1) * cols), row)
      f32.fill(0, row + cols, row + stride)
    }
  }
}

/**
 * Copies a row-major float32 weight `[rows, cols]` into WebAssembly memory for the SIMD kernels, or keeps a
 * JS copy where WebAssembly SIMD is unavailable. Sums accumulate in float32 on the SIMD path (relative error
 * about 1e-6·√cols against the float64-accumulating JS path; at worst cols·2⁻²⁴ of Σ|W||x|).
 *
 * @example
 * const w = prepareMatrix(new Float32Array(768 * 256), 768, 256)
 * const out = new Float32Array(768)
 * w.gemv(new Float32Array(256), out)
 */
export function prepareMatrix(weight: Float32Array, rows: number, cols: number): PreparedMatrix {
  return prepareMatrixOn(wasmSimdAvailable() ? 'wasm-simd' : 'js', weight, rows, cols)
}

/** `prepareMatrix` on a chosen backend (internal: lets tests run the JS fallback where SIMD exists). */
export function prepareMatrixOn(
  backend: PreparedMatrix['backend'],
  weight: Float32Array,
  rows: number,
  cols: number,
): PreparedMatrix {
  checkCount('prepareMatrix', 'rows', rows)
  checkCount('prepareMatrix', 'cols', cols)
  if (!(weight instanceof Float32Array)) {
    throw new TypeError(
      `prepareMatrix: weight must be a Float32Array, got ${Object.prototype.toString.call(weight)}`,
    )
  }
  checkLength('prepareMatrix', 'weight', weight, rows * cols, `rows·cols = ${rows}·${cols}`)
  if (backend === 'js') return new JsMatrix(weight, rows, cols)
  const arena = sharedArena()
  if (arena === null) throw new RangeError('prepareMatrix: the wasm-simd backend is unavailable in this host')
  return new WasmMatrix(arena, weight, rows, cols)
}

/**
 * Whether this host runs the WebAssembly SIMD kernels (`WebAssembly` present and the SIMD module valid);
 * when false, `prepareMatrix` falls back to the JS kernels.
 *
 * @example
 * console.log(wasmSimdAvailable() ? 'SIMD matmul' : 'JS matmul')
 */
export function wasmSimdAvailable(): boolean {
  return sharedArena() !== null
}
