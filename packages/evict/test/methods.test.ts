import {
  type AnyMethodSpec,
  type BuildContext,
  MethodRegistry,
  type NumberParam,
  type ParamSpec,
} from '@kv/cache'
import type { KVPolicy } from '@kv/tensor/contracts'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  d2o,
  d2oMethod,
  duoMethod,
  evictMethods,
  type HeadScores,
  h2o,
  h2oMethod,
  headwise,
  razorMethod,
  sparseWindow,
  streamingLLM,
  streamingMethod,
  swaMethod,
} from '../src/index.js'
import { runSim } from './support/cache-sim.js'

const scoresOf = (model: string, score: (layer: number, head: number) => number): HeadScores => {
  const table = Array.from({ length: 8 }, (_, l) => Array.from({ length: 2 }, (_, h) => score(l, h)))
  return {
    model,
    numLayers: 8,
    numKVHeads: 2,
    echo: table,
    induction: table.map((row) => row.map((x) => 1 - x)),
  }
}
/** The scores the model ships, and other ones in a file. */
const headScores = scoresOf('shipped', (l, h) => (((l * 2 + h) * 7) % 16) / 16)
const fileScores = scoresOf('file', (l, h) => (((l * 2 + h) * 5) % 16) / 16)
const context: BuildContext = {
  numLayers: 8,
  numKVHeads: 2,
  maxPositions: 2048,
  headScores,
  readJson: (path) => {
    if (path !== 'heads.json') throw new Error(`no file ${path}`)
    return fileScores
  },
}
const methods: readonly AnyMethodSpec[] = evictMethods
const registry = new MethodRegistry(methods)

/** What a policy observably does: its settings, and the slots of every head after a seeded run. */
function fingerprint(policy: KVPolicy): string {
  const { retrieval, phase } = policy as { retrieval?: boolean[][]; phase?: (length: number) => number }
  const heads = runSim(policy, { numLayers: 8, numHeads: 2, headDim: 4, prompt: 48, steps: 24, seed: 5 })
  return JSON.stringify({
    name: policy.name,
    needsAttention: policy.needsAttention,
    retrieval,
    phases: phase && [1, 10, 100, 1000, 1e6].map(phase),
    heads: heads.map((row) => row.map((head) => [head.positions, head.mass])),
  })
}

/** A value other than the default for every parameter, each one changing what the method does. */
const alternatives: Record<string, Record<string, number | string | boolean>> = {
  streaming: { sinks: 2, window: 16 },
  h2o: {
    heavy: 0.2,
    recent: 0.05,
    heavyTokens: 5,
    recentTokens: 6,
    budget: 20,
    ratioOf: 'sequence',
    sinks: 2,
  },
  d2o: { heavy: 0.2, recent: 0.05, heavyTokens: 5, recentTokens: 6, alpha: 0.9, beta: 0.1, sinks: 1 },
  swa: { window: 8, topK: 4, history: 4, sinks: 2, sparseFrom: 60, recomputeFrom: 100 },
  razor: { fraction: 0.3, sinks: 2, recent: 8, ratio: 0.1, heads: 'heads.json' },
  duo: { fraction: 0.25, sinks: 8, recent: 16, heads: 'heads.json' },
}

/** Values inside a declared range that the factory still refuses. */
const refusedInside: Record<string, (value: number) => boolean> = {
  // a share in (0, 1) or a whole number of tokens
  'swa.window': (v) => v > 1 && !Number.isInteger(v),
  'swa.topK': (v) => v > 1 && !Number.isInteger(v),
}

describe('evictMethods', () => {
  it('build what the factories give for their defaults', () => {
    expect(streamingMethod.build({}).policy.name).toBe('streamingLLM(sinks=4, window=508)')
    expect(fingerprint(streamingMethod.build({}).policy)).toBe(fingerprint(streamingLLM()))
    expect(fingerprint(h2oMethod.build({}).policy)).toBe(fingerprint(h2o()))
    expect(fingerprint(d2oMethod.build({}).policy)).toBe(fingerprint(d2o()))
    expect(fingerprint(swaMethod.build({}).policy)).toBe(fingerprint(sparseWindow()))
    for (const [method, mode] of [
      [razorMethod, 'razor'],
      [duoMethod, 'duo'],
    ] as const) {
      expect(fingerprint(method.build({}, context).policy)).toBe(
        fingerprint(headwise({ retrievalHeads: headScores, mode })),
      )
    }
  })

  it('pass parameters through, parsed from a spec', () => {
    expect(registry.build('streaming:sinks=2,window=1020', context).policy?.name).toBe(
      'streamingLLM(sinks=2, window=1020)',
    )
    expect(registry.build('h2o:budget=512', context).policy?.name).toBe('h2o(heavy=256, recent=256)')
    for (const method of methods) {
      const given = alternatives[method.name]!
      const spec = `${method.name}:${Object.entries(given)
        .map(([k, v]) => `${k}=${v}`)
        .join(',')}`
      if (method.name === 'h2o') continue // budget and heavyTokens exclude each other; checked one by one below
      expect(fingerprint(registry.build(spec, context).policy!)).toBe(
        fingerprint(method.build(given, context).policy!),
      )
    }
  })

  it('declare the defaults the factories use, and every parameter changes what they build', () => {
    for (const method of methods) {
      const defaults = fingerprint(method.build({}, context).policy!)
      for (const [name, param] of Object.entries(method.params as Record<string, ParamSpec>)) {
        const alternative = alternatives[method.name]![name]
        expect(alternative, `${method.name}.${name} has an alternative`).toBeDefined()
        const changed = fingerprint(method.build({ [name]: alternative }, context).policy!)
        expect(changed, `${method.name}.${name}`).not.toBe(defaults)
        if (param.default !== undefined) {
          const explicit = fingerprint(method.build({ [name]: param.default }, context).policy!)
          expect(explicit, `${method.name}.${name}`).toBe(defaults)
        }
      }
    }
  })

  it('read retrieval heads from heads=<file>, else from the model, and say what to do without either', () => {
    const read: string[] = []
    const reading = {
      ...context,
      readJson: (path: string) => {
        read.push(path)
        return fileScores
      },
    }
    const fromFile = razorMethod.build({ heads: 'heads.json' }, reading).policy
    expect(read).toEqual(['heads.json'])
    expect(fromFile.retrieval).toEqual(headwise({ retrievalHeads: fileScores, mode: 'razor' }).retrieval)
    const { headScores: _, ...bare } = context
    for (const method of ['razor', 'duo']) {
      expect(() => registry.build(method, bare)).toThrow(
        `${method}: this model ships no retrieval-head scores; run \`kv heads\` and pass heads=<file.json>`,
      )
      const { readJson: __, ...browser } = context
      expect(() => registry.build(`${method}:heads=heads.json`, browser)).toThrow(/files cannot be read here/)
      expect(() => registry.build(`${method}:heads=heads.json`, browser)).toThrow(/headScores/)
    }
    // DuoAttention has no ratio: the spec refuses it by name
    expect(() => registry.parse('duo:ratio=0.2')).toThrow(/unknown parameter "ratio" of duo/)
  })

  it('accept every declared choice and refuse others', () => {
    expect(() => registry.build('h2o:ratioOf=sequence', context)).not.toThrow()
    expect(() => registry.parse('h2o:ratioOf=prefix')).toThrow(/parameter ratioOf of h2o/)
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

  it('accept a number inside its declared range (but where a share and a token count meet)', () => {
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
