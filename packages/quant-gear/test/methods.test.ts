import {
  type AnyMethodSpec,
  type BuildContext,
  type CacheOptions,
  MethodRegistry,
  type NumberParam,
  type ParamSpec,
} from '@kv/cache'
import { Tensor } from '@kv/tensor'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  gear,
  gearL,
  gearLMethod,
  gearMethod,
  importanceTiers,
  kiviMethod,
  mikvMethod,
  mixedPrecision,
  quantMethods,
  uniform,
} from '../src/index.js'
import { pseudoNormal } from './arbitraries.js'

const context: BuildContext = { numLayers: 8, numKVHeads: 2, maxPositions: 2048 }
const methods: readonly AnyMethodSpec[] = quantMethods
const registry = new MethodRegistry(methods)

const TOKENS = 64
const HEAD_DIM = 16
/** Keys with uneven channel ranges (what MiKV's balancer is for), values, prompt queries, tiers. */
const keys = pseudoNormal(TOKENS * HEAD_DIM, 7).map((x, i) => x * (1 + (i % HEAD_DIM)))
const values = pseudoNormal(TOKENS * HEAD_DIM, 11)
const queries = pseudoNormal(TOKENS * HEAD_DIM, 13).map((x, i) => x * (HEAD_DIM - (i % HEAD_DIM)))
const tiers = Uint8Array.from({ length: TOKENS }, (_, t) => (t % 3 === 0 ? 0 : 1))

/** What a codec (and a policy) observably does: settings, and the decoded blocks of both roles and phases. */
function fingerprint({ codec, policy }: CacheOptions): string {
  const seen: unknown[] = [policy?.name]
  if (codec) {
    const asTensor = (data: Float32Array) => Tensor.fromF32(data, [TOKENS, HEAD_DIM])
    codec.calibrate?.(0, 0, asTensor(queries), asTensor(keys))
    seen.push(codec.name, codec.blockTokens, codec.residual, codec.tiers)
    for (const role of ['key', 'value'] as const) {
      for (const phase of ['prefill', 'decode'] as const) {
        const block = codec.encode(asTensor(role === 'key' ? keys : values), {
          role,
          phase,
          layer: 0,
          head: 0,
          tiers,
        })
        seen.push(Array.from(codec.decode(block)))
      }
    }
  }
  return JSON.stringify(seen)
}

/** A value other than the default for every parameter, each one changing what the method does. */
const alternatives: Record<string, Record<string, number | string | boolean>> = {
  kivi: { bits: 2, groupSize: 16, residual: 64, blockTokens: 8 },
  gear: {
    bits: 2,
    groupSize: 32,
    rankPrefill: 3,
    rankDecode: 1,
    iterations: 1,
    blockTokens: 32,
    residual: 16,
    outliers: 0.05,
  },
  'gear-l': {
    bits: 8,
    groupSize: 32,
    rankPrefill: 3,
    rankDecode: 1,
    iterations: 1,
    blockTokens: 32,
    residual: 16,
  },
  mikv: { high: 'fp16', low: 2, groupSize: 8, residual: 16, balance: false, keepHigh: 0.5, recent: 0.05 },
}

/** Values inside a declared range that the factory still refuses: exclusive bounds and bounds set by another parameter. */
const refusedInside: Record<string, (value: number) => boolean> = {
  'gear.outliers': (v) => v === 0.5, // [0, 0.5)
  'mikv.keepHigh': (v) => v < 0.1, // (0, 1], and at least recent (default 0.1)
  'mikv.recent': (v) => v > 0.2, // at most keepHigh (default 0.2)
}

describe('quantMethods', () => {
  it('build what the factories give for their defaults', () => {
    expect(kiviMethod.build({}).codec.name).toBe('uniform(4-bit, group 32)')
    expect(fingerprint(kiviMethod.build({}))).toBe(fingerprint({ codec: uniform() }))
    expect(fingerprint(gearMethod.build({}))).toBe(fingerprint({ codec: gear() }))
    expect(fingerprint(gearLMethod.build({}))).toBe(fingerprint({ codec: gearL() }))
    const mikv = mikvMethod.build({})
    expect(mikv.policy.name).toBe(importanceTiers().name)
    expect(fingerprint(mikv)).toBe(fingerprint({ codec: mixedPrecision(), policy: importanceTiers() }))
  })

  it('pass parameters through, parsed from a spec', () => {
    const kivi = registry.build('kivi:bits=2', context).codec!
    expect(kivi.name).toBe('uniform(2-bit, group 32)')
    const mikv = registry.build('mikv:high=fp16,low=2,keepHigh=0.3,recent=0.1', context)
    expect(mikv.codec?.name).toBe('mixedPrecision(fp16/int2, group 32)')
    expect(mikv.policy?.name).toBe('importanceTiers(keepHigh 0.3, recent 0.1)')
    expect(registry.build('gear-l:rankPrefill=8', context).codec?.name).toBe(
      'gearL(4-bit, group 64, rank 8/2, outliers 0)',
    )
    for (const method of methods) {
      const given = alternatives[method.name]!
      const spec = `${method.name}:${Object.entries(given)
        .map(([k, v]) => `${k}=${v}`)
        .join(',')}`
      expect(fingerprint(registry.build(spec, context))).toBe(fingerprint(method.build(given, context)))
    }
  })

  it('declare the defaults the factories use, and every parameter changes what they build', () => {
    for (const method of methods) {
      const defaults = fingerprint(method.build({}, context))
      for (const [name, param] of Object.entries(method.params as Record<string, ParamSpec>)) {
        const alternative = alternatives[method.name]![name]
        expect(alternative, `${method.name}.${name} has an alternative`).toBeDefined()
        expect(
          fingerprint(method.build({ [name]: alternative }, context)),
          `${method.name}.${name}`,
        ).not.toBe(defaults)
        if (param.default !== undefined) {
          expect(
            fingerprint(method.build({ [name]: param.default }, context)),
            `${method.name}.${name}`,
          ).toBe(defaults)
        }
      }
    }
    // blockTokens defaults to groupSize
    expect(kiviMethod.build({ groupSize: 16 }).codec.blockTokens).toBe(16)
  })

  it('accept every declared choice and refuse others', () => {
    for (const method of methods) {
      for (const [name, param] of Object.entries(method.params as Record<string, ParamSpec>)) {
        if (param.type !== 'choice') continue
        for (const choice of param.choices)
          expect(() => registry.build(`${method.name}:${name}=${choice}`, context)).not.toThrow()
        expect(() => registry.parse(`${method.name}:${name}=7`)).toThrow(new RegExp(`parameter ${name} of`))
      }
    }
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

  it('accept a number inside its declared range (but exclusive bounds and bounds set by another parameter)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...numberParams).chain((entry) => fc.tuple(fc.constant(entry), inside(entry.param))),
        ([{ method, name }, value]) => {
          const build = () =>
            method.build(registry.parse(`${method.name}:${name}=${value}`)[0]!.params, context)
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

/** Numbers a declaration accepts, its bounds included (up to 10⁶ above `min`). */
function inside(param: NumberParam): fc.Arbitrary<number> {
  const min = param.min ?? -1e6
  const max = param.max ?? min + 1e6
  const within = param.integer ? fc.integer({ min, max }) : fc.double({ min, max, noNaN: true })
  return fc.oneof(fc.constantFrom(min, max), within)
}
