import fc from 'fast-check'

/** A hand-made state of the kind `cache.saveState()` returns, with every awkward case in it. */
export function awkwardState(): Record<string, unknown> {
  const pool = new Float32Array(37)
  for (let i = 0; i < pool.length; i++) pool[i] = Math.fround(Math.sin(i) * 1e3)
  const nanBits = new Uint32Array([0x7fc00001, 0xffbfffff, 0x7f800001, 0x80000000])
  const shared = { rows: pool.subarray(3, 17), count: 14 }
  const f64 = new Float64Array([-0, Number.NaN, Number.POSITIVE_INFINITY, 5e-324, -1.5])
  const state: Record<string, unknown> = {
    version: 1,
    layers: [shared, shared, { rows: pool.subarray(17, 30), count: 13 }],
    pool,
    nans: new Float32Array(nanBits.buffer),
    nanBits,
    f64,
    codes: new Uint8Array([0, 255, 1, 128]).subarray(1),
    int8: new Int8Array([-128, 127, 0]),
    u16: new Uint16Array(0),
    i32: new Int32Array([-2147483648, 2147483647]),
    u32: new Uint32Array([4294967295]),
    big: new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n]),
    empty: [],
    emptyObject: {},
    negativeZero: -0,
    nan: Number.NaN,
    big53: 2 ** 53 + 2,
    fraction: 0.1,
    text: 'kivi:bits=4 — ünïcödé 🐋',
    flags: [true, false, null, undefined],
    nested: [[[[]]], { a: { b: { c: [1, 2, 3] } } }],
  }
  Object.defineProperty(state, '__proto__', {
    value: 'a key like any other',
    enumerable: true,
    writable: true,
    configurable: true,
  })
  return state
}

const typedArray = fc.oneof(
  fc.float32Array({ maxLength: 40 }),
  fc.float64Array({ maxLength: 20 }),
  fc.int32Array({ maxLength: 20 }),
  fc.uint8Array({ maxLength: 70 }),
  fc.int16Array({ maxLength: 20 }),
  fc.uint32Array({ maxLength: 20 }),
)

/** Typed arrays, possibly subarray views at awkward offsets. */
const view = fc.tuple(typedArray, fc.nat(), fc.nat()).map(([array, a, b]) => {
  if (array.length === 0) return array
  const start = a % array.length
  return array.subarray(start, start + (b % (array.length - start + 1)))
})

const leaf = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.double(),
  fc.integer(),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  view,
)

/**
 * Arbitrary plain-data trees; some of their subtrees are referenced a second time from `shared`, so that
 * the same object sits in several places (as MiniCache's shared rows do).
 */
export const plainState = fc
  .tuple(
    fc.letrec((tie) => ({
      node: fc.oneof(
        { maxDepth: 4, depthIdentifier: 'state' },
        leaf,
        fc.array(tie('node'), { maxLength: 5 }),
        fc.dictionary(fc.string({ maxLength: 6 }), tie('node'), { maxKeys: 5 }),
      ),
    })).node,
    fc.array(fc.nat(), { maxLength: 4 }),
  )
  .map(([tree, picks]) => {
    const objects: object[] = []
    const gather = (value: unknown) => {
      if (value === null || typeof value !== 'object') return
      objects.push(value)
      if (ArrayBuffer.isView(value)) return
      for (const child of Object.values(value)) gather(child)
    }
    gather(tree)
    const shared = objects.length === 0 ? [] : picks.map((pick) => objects[pick % objects.length])
    return { tree, shared }
  })
