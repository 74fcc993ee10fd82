import { describe, expect, it } from 'vitest'
import { Tensor } from '../src/index.js'

describe('Tensor views', () => {
  it('transposes without copying', () => {
    const t = Tensor.zeros('f32', [2, 3])
    t.set([1, 2], 5)
    const view = t.transpose()
    expect(view.data).toBe(t.data)
    expect(view.get([2, 1])).toBe(5)
    expect(view.contiguous().data).toEqual(new Float32Array([0, 0, 0, 0, 0, 5]))
  })

  it('names the axis and value of an out-of-range index', () => {
    expect(() => Tensor.zeros('f32', [2, 3]).get([0, 3])).toThrow('index[1] = 3 is outside [0, 3)')
  })
})
