import fc from 'fast-check'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { prepareMatrix, Rng } from '../src/index.js'
import { decodeBase64, sharedArena } from '../src/wasm/arena.js'
import { KERNELS_WASM_BASE64 } from '../src/wasm/kernels.generated.js'

function gaussian(s: number, length: number): Float32Array {
  return new Rng(s).fillNormal(new Float32Array(length))
}

/** Σ_c W[r,c]·x[c] in float64. */
function reference(w: Float32Array, x: Float32Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows)
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[r]! += w[r * cols + c]! * x[c]!
  }
  return out
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!))
  return worst
}

describe('the shared WebAssembly memory', () => {
  it('keeps every earlier matrix valid while later ones grow the memory', () => {
    const arena = sharedArena()!
    const first = { w: gaussian(1, 33 * 17), x: gaussian(2, 17) }
    const m = prepareMatrix(first.w, 33, 17)
    const before = new Float32Array(33)
    m.gemv(first.x, before)
    const bytesBefore = arena.f32.buffer.byteLength
    const later = []
    for (let i = 0; i < 24; i++) {
      const rows = 61 + i
      const cols = 250 + i
      const w = gaussian(10 + i, rows * cols)
      later.push({ m: prepareMatrix(w, rows, cols), w, x: gaussian(100 + i, cols), rows, cols })
    }
    expect(arena.f32.buffer.byteLength).toBeGreaterThan(bytesBefore)
    const after = new Float32Array(33)
    m.gemv(first.x, after)
    expect(after).toEqual(before)
    for (const { m: p, w, x, rows, cols } of later) {
      const out = new Float32Array(rows)
      p.gemv(x, out)
      expect(maxDiff(out, reference(w, x, rows, cols))).toBeLessThan(1e-4)
    }
  })

  it('zeroes row padding of x and W even where scratch held NaN', () => {
    // An 8-column call leaves NaN in the scratch; a 5-column matrix prepared there and a 5-column x staged
    // there must not read it (NaN·0 is NaN, so only zero padding keeps the sums finite).
    const wide = prepareMatrix(new Float32Array(64).fill(1), 8, 8)
    wide.matmulTransB(new Float32Array(8 * 40).fill(Number.NaN), 40, new Float32Array(8 * 40))
    const narrow = prepareMatrix(new Float32Array(15).fill(1), 3, 5)
    const out = new Float32Array(3)
    narrow.gemv(new Float32Array(5).fill(2), out)
    expect(Array.from(out)).toEqual([10, 10, 10])
  })
})

describe('errors', () => {
  it('names the argument and the value', () => {
    expect(() => prepareMatrix(new Float32Array(100), 12, 10)).toThrow(
      'prepareMatrix: weight has 100 elements, expected rows·cols = 12·10 = 120',
    )
    expect(() => prepareMatrix(new Float32Array(4), 2.5, 2)).toThrow(
      'prepareMatrix: rows must be a non-negative integer, got 2.5',
    )
    expect(() => prepareMatrix([1, 2] as unknown as Float32Array, 1, 2)).toThrow(TypeError)
    const m = prepareMatrix(gaussian(3, 12), 3, 4)
    expect(() => m.gemv(new Float32Array(5), new Float32Array(3))).toThrow(
      'PreparedMatrix.gemv: x has 5 elements, expected cols = 4',
    )
    expect(() => m.gemv(new Float32Array(4), new Float32Array(2))).toThrow(
      'PreparedMatrix.gemv: out has 2 elements, expected rows = 3',
    )
    expect(() => m.matmulTransB(new Float32Array(8), 3, new Float32Array(9))).toThrow(
      'PreparedMatrix.matmulTransB: x has 8 elements, expected tokens·cols = 3·4 = 12',
    )
    expect(() => m.matmulTransB(new Float32Array(8), -2, new Float32Array(9))).toThrow(
      'PreparedMatrix.matmulTransB: tokens must be a non-negative integer, got -2',
    )
    const shared = new Float32Array(8)
    expect(() => m.gemv(shared.subarray(0, 4), shared.subarray(2, 5))).toThrow(
      'PreparedMatrix.gemv: out must not overlap x',
    )
  })

  it('leaves the matrix usable after a rejected call', () => {
    const w = gaussian(4, 12)
    const m = prepareMatrix(w, 3, 4)
    const x = gaussian(5, 4)
    const out = new Float32Array(3)
    expect(() => m.gemv(new Float32Array(3), out)).toThrow(RangeError)
    m.gemv(x, out)
    expect(maxDiff(out, reference(w, x, 3, 4))).toBeLessThan(1e-5)
  })
})

describe('the embedded module', () => {
  // Browsers refuse synchronous compiles of larger modules on the main thread.
  it('is valid WebAssembly under 4 KiB', () => {
    const bytes = decodeBase64(KERNELS_WASM_BASE64)
    expect(Array.from(bytes.subarray(0, 4))).toEqual([0, 0x61, 0x73, 0x6d])
    expect(bytes.length).toBeLessThan(4096)
  })

  it('decodeBase64 inverts base64 encoding', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        const text = Buffer.from(bytes).toString('base64')
        expect(decodeBase64(text)).toEqual(bytes)
      }),
    )
  })
})

describe('without WebAssembly SIMD', () => {
  afterEach(() => {
    vi.unstubAllGlobals()
    vi.resetModules()
  })

  async function freshPrepared() {
    vi.resetModules() // a fresh module graph, so the arena is looked up again under the stubbed global
    return import('../src/wasm/prepared.js')
  }

  it('falls back to the JS kernels where WebAssembly is missing', async () => {
    vi.stubGlobal('WebAssembly', undefined)
    const { prepareMatrix: prepare, wasmSimdAvailable: available } = await freshPrepared()
    expect(available()).toBe(false)
    const m = prepare(new Float32Array([1, 2, 3, 4, 5, 6]), 2, 3)
    expect(m.backend).toBe('js')
    const out = new Float32Array(2)
    m.gemv(new Float32Array([1, 1, 1]), out)
    expect(Array.from(out)).toEqual([6, 15])
  })

  it('falls back where the SIMD module does not validate', async () => {
    const real = (globalThis as { WebAssembly?: Record<string, unknown> }).WebAssembly!
    const { Module, Instance, Memory } = real
    vi.stubGlobal('WebAssembly', { validate: () => false, Module, Instance, Memory })
    const { prepareMatrix: prepare, wasmSimdAvailable: available } = await freshPrepared()
    expect(available()).toBe(false)
    expect(prepare(new Float32Array(4), 2, 2).backend).toBe('js')
  })
})
