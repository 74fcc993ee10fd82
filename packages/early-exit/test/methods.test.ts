import {
  type AnyMethodSpec,
  type BuildContext,
  MethodRegistry,
  type NumberParam,
  type ParamSpec,
} from '@kv/cache'
import type { ExitSchedule } from '@kv/tensor/contracts'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { exitMethods, skipDecode, skipDecodeMethod, ulsMethod, unifiedLayerSkipping } from '../src/index.js'

const context: BuildContext = { numLayers: 8, numKVHeads: 2, maxPositions: 2048 }
const methods: readonly AnyMethodSpec[] = exitMethods
const registry = new MethodRegistry(methods)

/** `speedup` has no default: every build below gives one. */
const base = { speedup: 2 }

/** What a schedule observably does: its settings and the layers it runs at positions up to past the context. */
function fingerprint(exit: ExitSchedule): string {
  const masks = [0, 1, 10, 100, 1000, 2047, 5000].map((position) => {
    const mask = new Uint8Array(context.numLayers)
    exit.layers(position, context.numLayers, mask)
    return Array.from(mask)
  })
  return JSON.stringify({ ...exit, masks })
}

/** A value other than the default for every parameter, each one changing what the method does. */
const alternatives: Record<string, Record<string, number>> = {
  skipdecode: { speedup: 1.5, maxLength: 512, minLayers: 2, maxLayers: 7 },
  uls: { speedup: 1.5 },
}

/** Values inside a declared range the factory refuses: the target mean of 8 / 2 = 4 layers is out of reach. */
const refusedInside: Record<string, (value: number) => boolean> = {
  // the steepest schedule over 2048 positions has a mean of (8 + 2047) / 2048 layers
  'skipdecode.speedup': (v) => 8 / v < (8 + 2047) / 2048 - 0.5,
  'skipdecode.maxLength': (v) => v < 2,
  'skipdecode.minLayers': (v) => v >= 5,
  'skipdecode.maxLayers': (v) => v < 4 || v > context.numLayers,
}
/** Largest value tried inside a range: maxLength allocates a count per position. */
const largest: Record<string, number> = { 'skipdecode.maxLength': 4096 }

describe('exitMethods', () => {
  it('build what the factories give, the depth and context from the model', () => {
    expect(fingerprint(skipDecodeMethod.build(base, context).exit)).toBe(
      fingerprint(skipDecode({ speedup: 2, numLayers: 8, maxLength: 2048 })),
    )
    expect(fingerprint(ulsMethod.build(base).exit)).toBe(fingerprint(unifiedLayerSkipping({ speedup: 2 })))
    const schedule = skipDecodeMethod.build(base, context).exit
    expect([schedule.numLayers, schedule.maxLength, schedule.maxLayers, schedule.minLayers]).toEqual([
      8, 2048, 8, 1,
    ])
  })

  it('pass parameters through, parsed from a spec', () => {
    const exit = registry.build('skipdecode:speedup=3,maxLength=512,minLayers=2', context).exit!
    expect(exit).toMatchObject({ speedup: 3, maxLength: 512, minLayers: 2, numLayers: 8 })
    for (const method of methods) {
      const given = alternatives[method.name]!
      const spec = `${method.name}:${Object.entries(given)
        .map(([k, v]) => `${k}=${v}`)
        .join(',')}`
      expect(fingerprint(registry.build(spec, context).exit!)).toBe(
        fingerprint(method.build(given, context).exit!),
      )
    }
  })

  it('need speedup, and say so', () => {
    for (const name of ['skipdecode', 'uls']) {
      expect(() => registry.build(name, context)).toThrow(RangeError)
      expect(() => registry.build(name, context)).toThrow(`${name} needs speedup=`)
    }
  })

  it('declare the defaults the factories use, and every parameter changes what they build', () => {
    for (const method of methods) {
      const defaults = fingerprint(method.build(base, context).exit!)
      for (const [name, param] of Object.entries(method.params as Record<string, ParamSpec>)) {
        const alternative = alternatives[method.name]![name]
        expect(alternative, `${method.name}.${name} has an alternative`).toBeDefined()
        const changed = fingerprint(method.build({ ...base, [name]: alternative }, context).exit!)
        expect(changed, `${method.name}.${name}`).not.toBe(defaults)
        if (param.default !== undefined) {
          const explicit = fingerprint(method.build({ ...base, [name]: param.default }, context).exit!)
          expect(explicit, `${method.name}.${name}`).toBe(defaults)
        }
      }
    }
    // the defaults that depend on the model: its context and its depth
    const defaults = fingerprint(skipDecodeMethod.build(base, context).exit)
    expect(fingerprint(skipDecodeMethod.build({ ...base, maxLength: 2048 }, context).exit)).toBe(defaults)
    expect(fingerprint(skipDecodeMethod.build({ ...base, maxLayers: 8 }, context).exit)).toBe(defaults)
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
          expect(() => method.build({ ...base, [name]: value }, context)).toThrow(RangeError)
          expect(() => method.build({ ...base, [name]: value }, context)).toThrow(name)
        },
      ),
    )
  })

  it('accept a number inside its declared range (but where the target mean is out of reach)', () => {
    fc.assert(
      fc.property(
        fc
          .constantFrom(...numberParams)
          .chain((entry) =>
            fc.tuple(fc.constant(entry), inside(entry.param, largest[`${entry.method.name}.${entry.name}`])),
          ),
        ([{ method, name }, value]) => {
          const { params } = registry.parse(`${method.name}:${name}=${value}`)[0]!
          const build = () => method.build({ ...base, ...params }, context)
          if (refusedInside[`${method.name}.${name}`]?.(value)) expect(build).toThrow(RangeError)
          else expect(build).not.toThrow()
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

/** Numbers a declaration accepts, its bounds included (up to `largest`, default 10⁶ above `min`). */
function inside(param: NumberParam, largest?: number): fc.Arbitrary<number> {
  const min = param.min ?? -1e6
  const max = Math.min(param.max ?? min + 1e6, largest ?? Number.POSITIVE_INFINITY)
  const within = param.integer ? fc.integer({ min, max }) : fc.double({ min, max, noNaN: true })
  return fc.oneof(fc.constantFrom(min, max), within)
}
