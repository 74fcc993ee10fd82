import {
  type AnyMethodSpec,
  type BuildContext,
  MethodRegistry,
  type NumberParam,
  type ParamSpec,
} from '@kv/cache'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { type MiniCacheMerger, mergeMethods, minicache, minicacheMethod } from '../src/index.js'

const context: BuildContext = { numLayers: 8, numKVHeads: 2, maxPositions: 2048 }
const methods: readonly AnyMethodSpec[] = mergeMethods
const registry = new MethodRegistry(methods)

const TOKENS = 20
const HEAD_DIM = 4
/** Two layers' rows: seeded, no two tokens alike, so retention and SLERP both show. */
const rowsOf = (seed: number) =>
  Float32Array.from({ length: TOKENS * HEAD_DIM }, (_, i) => Math.sin(seed * 12.9898 + i * 78.233) * 3)
const lower = rowsOf(1)
const upper = rowsOf(2)

/** What a merger observably does: its settings, its pairs, the rows it merges. */
function fingerprint(merger: MiniCacheMerger): string {
  const { t, retain, fromLayer } = merger
  const merged = merger.merge(lower, upper, TOKENS, HEAD_DIM)
  return JSON.stringify({ t, retain, fromLayer, pairs: merger.pairs(8), merged })
}

const mergerOf = (options: { extensions?: readonly unknown[] }) => options.extensions?.[0] as MiniCacheMerger

/** A value other than the default for every parameter, each one changing what the method does. */
const alternatives: Record<string, Record<string, number>> = {
  minicache: { fromLayer: 2, t: 0.3, retain: 0.2 },
}

describe('mergeMethods', () => {
  it('build what the factory gives for its defaults', () => {
    const built = minicacheMethod.build({}).extensions
    expect(built).toHaveLength(1)
    expect(fingerprint(built[0]!)).toBe(fingerprint(minicache()))
  })

  it('pass parameters through, parsed from a spec', () => {
    const merger = mergerOf(registry.build('minicache:fromLayer=2,t=0.3,retain=0.2', context))
    expect(merger).toMatchObject({ fromLayer: 2, t: 0.3, retain: 0.2 })
    expect(fingerprint(merger)).toBe(fingerprint(minicache({ fromLayer: 2, t: 0.3, retain: 0.2 })))
  })

  it('declare the defaults the factory uses, and every parameter changes what it builds', () => {
    for (const method of methods) {
      const defaults = fingerprint(mergerOf(method.build({}, context)))
      for (const [name, param] of Object.entries(method.params as Record<string, ParamSpec>)) {
        const alternative = alternatives[method.name]![name]
        expect(alternative, `${method.name}.${name} has an alternative`).toBeDefined()
        expect(fingerprint(mergerOf(method.build({ [name]: alternative }, context))), name).not.toBe(defaults)
        if (param.default !== undefined) {
          expect(fingerprint(mergerOf(method.build({ [name]: param.default }, context))), name).toBe(defaults)
        }
      }
    }
    // fromLayer: half depth
    expect(minicacheMethod.build({}).extensions[0]!.pairs(8)).toEqual(minicache({ fromLayer: 4 }).pairs(8))
    expect(minicacheMethod.build({}).extensions[0]!.pairs(12)).toEqual(minicache({ fromLayer: 6 }).pairs(12))
  })

  const numberParams = methods.flatMap((method) =>
    Object.entries(method.params as Record<string, ParamSpec>).flatMap(([name, param]) =>
      param.type === 'number' ? [{ method, name, param }] : [],
    ),
  )

  it('refuse a number outside its declared range, in the parser and in the factory', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...numberParams).chain((entry) => fc.tuple(fc.constant(entry), outside(entry.param))),
        ([{ method, name }, value]) => {
          expect(() => registry.parse(`${method.name}:${name}=${value}`)).toThrow(RangeError)
          expect(() => registry.parse(`${method.name}:${name}=${value}`)).toThrow(`parameter ${name} of`)
          expect(() => method.build({ [name]: value }, context)).toThrow(RangeError)
          expect(() => method.build({ [name]: value }, context)).toThrow(name)
        },
      ),
    )
  })

  it('accept a number inside its declared range', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...numberParams).chain((entry) => fc.tuple(fc.constant(entry), inside(entry.param))),
        ([{ method, name }, value]) => {
          const { params } = registry.parse(`${method.name}:${name}=${value}`)[0]!
          expect(() => method.build(params, context)).not.toThrow()
        },
      ),
    )
  })
})

/** Numbers a declaration refuses: below `min`, above `max`, fractions of an integer parameter. */
function outside(param: NumberParam): fc.Arbitrary<number> {
  const { min, max } = param
  const options: fc.Arbitrary<number>[] = []
  if (min !== undefined)
    options.push(fc.double({ min: min - 1e6, max: min, noNaN: true }).filter((x) => x < min))
  if (max !== undefined)
    options.push(fc.double({ min: max, max: max + 1e6, noNaN: true }).filter((x) => x > max))
  if (param.integer) {
    options.push(
      fc.double({ min: min ?? -1e6, max: max ?? 1e6, noNaN: true }).filter((x) => !Number.isInteger(x)),
    )
  }
  return fc.oneof(...options)
}

/** Numbers a declaration accepts, its bounds included (up to 10⁶ above `min`). */
function inside(param: NumberParam): fc.Arbitrary<number> {
  const min = param.min ?? -1e6
  const max = param.max ?? min + 1e6
  const within = param.integer ? fc.integer({ min, max }) : fc.double({ min, max, noNaN: true })
  return fc.oneof(fc.constantFrom(min, max), within)
}
