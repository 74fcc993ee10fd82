import type { CacheOptions } from '../kv-cache.js'

/**
 * A number parameter; `integer` and the range (bounds inclusive unless `minExclusive` / `maxExclusive`)
 * are checked when a spec is parsed. The fields are those of `OptionRange` in `@kv/tensor`: a method
 * package declares a range once and spreads it into both its factory's check and its spec.
 */
export interface NumberParam {
  readonly type: 'number'
  readonly summary: string
  readonly integer?: boolean
  readonly min?: number
  readonly max?: number
  readonly minExclusive?: boolean
  readonly maxExclusive?: boolean
  /** The factory's default, shown by `kv help` (`defaultNote` when it depends on the model). */
  readonly default?: number
  readonly defaultNote?: string
}

export interface BooleanParam {
  readonly type: 'boolean'
  readonly summary: string
  readonly default?: boolean
}

/** One of a fixed set of values (numbers or names). */
export interface ChoiceParam<V extends string | number> {
  readonly type: 'choice'
  readonly summary: string
  readonly choices: readonly V[]
  readonly default?: V
}

export interface StringParam {
  readonly type: 'string'
  readonly summary: string
  readonly default?: string
  readonly defaultNote?: string
}

export type ParamSpec = NumberParam | BooleanParam | ChoiceParam<string | number> | StringParam

/** The declaration a parameter of type `V` needs: a number, a boolean, a choice among literals, a string. */
export type ParamFor<V> = 0 extends 1 & V
  ? ParamSpec
  : [V] extends [boolean]
    ? BooleanParam
    : [V] extends [number]
      ? number extends V
        ? NumberParam
        : ChoiceParam<V & number>
      : [V] extends [string]
        ? string extends V
          ? StringParam
          : ChoiceParam<V & string>
        : ChoiceParam<V & (string | number)>

/**
 * The parameter declarations of an options type: every key, with the declaration its type needs. A method
 * declares its parameters once, next to its options type, and the compiler checks they match.
 */
export type ParamsOf<P> = { readonly [K in keyof P]-?: ParamFor<NonNullable<P[K]>> }

/** What a method may need of the model it is built for. */
export interface BuildContext {
  readonly numLayers: number
  readonly numKVHeads: number
  readonly maxPositions: number
  /** The model's retrieval-head scores, when it ships them (RazorAttention, DuoAttention). */
  readonly headScores?: unknown
  /** Reads a JSON artefact named by a parameter (absent in a browser: such parameters are refused). */
  readonly readJson?: (path: string) => unknown
}

/** Which parts of a cache a method fills. Two methods of one pipeline may not fill the same slot. */
export type CacheSlot = 'codec' | 'policy' | 'exit' | 'extensions'

/**
 * One method of the spec language (`kivi:bits=4`): its name, parameters and how it becomes cache parts.
 * Each method package exports its own; `MethodRegistry` assembles them.
 *
 * @example
 * const halve = {
 *   name: 'halve', summary: 'keeps every other token', provides: ['policy'],
 *   params: { sinks: { type: 'number', integer: true, min: 0, summary: 'first tokens always kept' } },
 *   build: (params) => ({ policy: halvingPolicy(params) }),
 * } satisfies MethodSpec<{ sinks?: number }>
 */
export interface MethodSpec<P = Record<string, unknown>> {
  readonly name: string
  readonly summary: string
  readonly provides: readonly CacheSlot[]
  readonly params: ParamsOf<P>
  /** The package to install for it (shown in help and errors). */
  readonly package?: string
  build(params: P, context: BuildContext): CacheOptions
}

/** A method spec of any parameter type (what a registry holds). */
// biome-ignore lint/suspicious/noExplicitAny: a registry holds specs of every parameter type
export type AnyMethodSpec = MethodSpec<any>
