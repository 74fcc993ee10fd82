import {
  type AnyMethodSpec,
  type BuildContext,
  MethodRegistry,
  type NumberParam,
  type ParamSpec,
} from '@kv/cache'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  type RetrievalAttentionRetriever,
  retrievalAttention,
  retrievalMethod,
  retrievalMethods,
} from '../src/index.js'

const context: BuildContext = { numLayers: 8, numKVHeads: 2, maxPositions: 2048 }
const methods: readonly AnyMethodSpec[] = retrievalMethods
const registry = new MethodRegistry(methods)

const KEYS = 400
const QUERIES = 200
const HEAD_DIM = 8
/** Seeded keys and prompt queries (xorshift, no Math.random): 400 keys give 50 cells by default, 1 probed. */
function seeded(count: number, seed: number): Float32Array {
  let state = seed
  return Float32Array.from({ length: count * HEAD_DIM }, () => {
    state ^= state << 13
    state ^= state >>> 17
    state ^= state << 5
    return (state >>> 0) / 0x80000000 - 1
  })
}
const keys = seeded(KEYS, 1)
const queries = seeded(QUERIES, 2)
const probe = seeded(3, 3)

/** What a retriever observably does: its static set and top-k, and the index it builds on fixed keys. */
function fingerprint(retriever: RetrievalAttentionRetriever): string {
  const { sinks, window, topK } = retriever
  const index = retriever.createIndex(0, 0, HEAD_DIM)
  index.build(
    keys,
    Int32Array.from({ length: KEYS }, (_, i) => i),
    KEYS,
    queries,
    QUERIES,
  )
  const found = [0, 1, 2].map((q) => index.search(probe.subarray(q * HEAD_DIM, (q + 1) * HEAD_DIM), 20))
  return JSON.stringify({ sinks, window, topK, cells: index.cells, nprobe: index.nprobe, found })
}

const retrieverOf = (options: { extensions?: readonly unknown[] }) =>
  options.extensions?.[0] as RetrievalAttentionRetriever

/** A value other than the default for every parameter, each one changing what the method does. */
const alternatives: Record<string, Record<string, number>> = {
  retrieval: { sinks: 8, window: 256, topK: 50, cells: 20, nprobe: 3, perQuery: 16, iterations: 0, seed: 7 },
}

/** Values inside a declared range the factory refuses (cells and nprobe are checked against the prompt at build). */
const refusedInside: Record<string, (value: number) => boolean> = {}

describe('retrievalMethods', () => {
  it('build what the factory gives for its defaults', () => {
    const built = retrievalMethod.build({}).extensions
    expect(built).toHaveLength(1)
    expect(built[0]).toMatchObject({ name: 'retrieval-attention', sinks: 4, window: 508, topK: 100 })
    expect(fingerprint(built[0]!)).toBe(fingerprint(retrievalAttention()))
  })

  it('pass parameters through, parsed from a spec', () => {
    const given = alternatives.retrieval!
    const spec = `retrieval:${Object.entries(given)
      .map(([k, v]) => `${k}=${v}`)
      .join(',')}`
    const retriever = retrieverOf(registry.build(spec, context))
    expect(retriever).toMatchObject({ sinks: 8, window: 256, topK: 50 })
    expect(fingerprint(retriever)).toBe(fingerprint(retrievalAttention(given)))
  })

  it('declare the defaults the factory uses, and every parameter changes what it builds', () => {
    for (const method of methods) {
      const defaults = fingerprint(retrieverOf(method.build({}, context)))
      for (const [name, param] of Object.entries(method.params as Record<string, ParamSpec>)) {
        const alternative = alternatives[method.name]![name]
        expect(alternative, `${method.name}.${name} has an alternative`).toBeDefined()
        expect(fingerprint(retrieverOf(method.build({ [name]: alternative }, context))), name).not.toBe(
          defaults,
        )
        if (param.default !== undefined) {
          expect(fingerprint(retrieverOf(method.build({ [name]: param.default }, context))), name).toBe(
            defaults,
          )
        }
      }
    }
    // cells: round(4·√keys) at most a quarter of the queries; nprobe: ceil(cells / 100)
    const index = retrievalMethod.build({}).extensions[0]!.createIndex(0, 0, HEAD_DIM)
    index.build(
      keys,
      Int32Array.from({ length: KEYS }, (_, i) => i),
      KEYS,
      queries,
      QUERIES,
    )
    expect([index.cells, index.nprobe]).toEqual([Math.min(QUERIES / 4, Math.round(4 * Math.sqrt(KEYS))), 1])
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
          const build = () => method.build(params, context)
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
