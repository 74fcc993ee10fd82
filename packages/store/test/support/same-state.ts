import { expect } from 'vitest'

function bytesOf(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength)
}

/**
 * Asserts that `actual` is `expected` read back: the same tree, typed arrays of the same type with the same
 * bytes (NaN payloads and -0 included), numbers equal by Object.is, and the same sharing: two places that
 * hold one object in `expected` hold one object in `actual`, and two different objects stay different.
 */
export function expectSameState(actual: unknown, expected: unknown): void {
  const forward = new Map<object, object>()
  const backward = new Map<object, object>()
  const walk = (a: unknown, e: unknown, path: string): void => {
    if (e === null || typeof e !== 'object') {
      if (!Object.is(a, e)) expect.fail(`${path}: ${String(a)} is not ${String(e)}`)
      return
    }
    if (a === null || typeof a !== 'object') throw new Error(`${path}: not an object`)
    const mapped = forward.get(e)
    if (mapped !== undefined) {
      if (mapped !== a) expect.fail(`${path}: sharing lost (a shared object read back as two)`)
      return
    }
    if (backward.has(a)) expect.fail(`${path}: two objects read back as one`)
    forward.set(e, a)
    backward.set(a, e)
    if (ArrayBuffer.isView(e)) {
      if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(e))
        expect.fail(`${path}: wrong typed array type`)
      const av = a as ArrayBufferView
      expect(av.byteLength, `${path}.byteLength`).toBe(e.byteLength)
      expect(Buffer.compare(bytesOf(av), bytesOf(e)), `${path}: bytes differ`).toBe(0)
      return
    }
    expect(Array.isArray(a), `${path}: array-ness`).toBe(Array.isArray(e))
    const keys = Object.keys(e)
    expect(Object.keys(a), `${path}: keys`).toEqual(keys)
    for (const key of keys)
      walk((a as Record<string, unknown>)[key], (e as Record<string, unknown>)[key], `${path}.${key}`)
  }
  walk(actual, expected, 'state')
}
