import { CompositionError } from '../compose.js'
import type { CacheOptions } from '../kv-cache.js'
import type { AnyMethodSpec, BuildContext, ParamSpec } from './method-spec.js'
import { parseSpecWith, type SpecPart } from './parse-spec.js'

const NAME = /^[a-z][a-z0-9-]*$/

/**
 * The methods a pipeline spec may name, assembled from the method packages installed (each exports its
 * specs) and any third party's. Parses specs, checks parameters against their declarations and builds
 * the cache parts; two methods filling the same slot (two codecs, two policies) are refused.
 *
 * @example
 * const registry = new MethodRegistry([...cacheMethods, ...quantMethods, ...evictMethods])
 * const options = registry.build('streaming:sinks=4,window=508+kivi:bits=4', context)
 * const cache = new KVCache(shape, options)
 */
export class MethodRegistry {
  readonly #methods = new Map<string, AnyMethodSpec>()

  constructor(specs: Iterable<AnyMethodSpec> = []) {
    for (const spec of specs) this.register(spec)
  }

  /** Adds methods; a name already taken, or not of the form `lower-case-name`, is an error. */
  register(...specs: AnyMethodSpec[]): this {
    for (const spec of specs) {
      if (typeof spec?.name !== 'string' || !NAME.test(spec.name) || spec.name === 'full') {
        throw new RangeError(`method name must match ${NAME} and not be "full", got "${String(spec?.name)}"`)
      }
      if (typeof spec.build !== 'function') throw new TypeError(`method ${spec.name} has no build()`)
      if (this.#methods.has(spec.name)) throw new RangeError(`method ${spec.name} is registered twice`)
      this.#methods.set(spec.name, spec)
    }
    return this
  }

  get names(): string[] {
    return [...this.#methods.keys()]
  }

  get(name: string): AnyMethodSpec | undefined {
    return this.#methods.get(name)
  }

  list(): AnyMethodSpec[] {
    return [...this.#methods.values()]
  }

  /** Parses a spec such as `streaming:sinks=4,window=508+gear:bits=4` (`full` or empty: the full cache). */
  parse(spec: string): SpecPart[] {
    return parseSpecWith(spec, this.#methods)
  }

  /** Builds the cache parts of a spec. */
  build(spec: string, context: BuildContext): CacheOptions {
    const merged: { -readonly [K in keyof CacheOptions]: CacheOptions[K] } = {}
    const owners = new Map<string, string>()
    for (const part of this.parse(spec)) {
      const method = this.#methods.get(part.method)!
      const built = method.build(part.params, context)
      for (const [slot, plugin] of Object.entries(built)) {
        if (plugin === undefined) continue
        if (slot === 'extensions') {
          merged.extensions = [
            ...(merged.extensions ?? []),
            ...(plugin as NonNullable<CacheOptions['extensions']>),
          ]
          continue
        }
        const owner = owners.get(slot)
        if (owner !== undefined) {
          throw new CompositionError(
            `${owner} and ${part.method} both provide the cache's ${slot}; choose one`,
          )
        }
        ;(merged as Record<string, unknown>)[slot] = plugin
        owners.set(slot, part.method)
      }
    }
    return merged
  }
}

/** One line per parameter: name, type, default and range (for help texts). */
export function describeParam(name: string, param: ParamSpec): string {
  const parts: string[] = [name]
  if (param.type === 'number') {
    const range =
      param.min !== undefined && param.max !== undefined
        ? `${param.minExclusive ? '(' : '['}${param.min}, ${param.max}${param.maxExclusive ? ')' : ']'}`
        : param.min !== undefined
          ? `${param.minExclusive ? '>' : '≥'} ${param.min}`
          : param.max !== undefined
            ? `${param.maxExclusive ? '<' : '≤'} ${param.max}`
            : ''
    parts.push(`${param.integer ? 'integer' : 'number'}${range ? ` ${range}` : ''}`)
  } else if (param.type === 'choice') parts.push(param.choices.join('|'))
  else parts.push(param.type)
  const fallback = 'defaultNote' in param && param.defaultNote ? param.defaultNote : param.default
  if (fallback !== undefined) parts.push(`default ${fallback}`)
  return `${parts.join(', ')}: ${param.summary}`
}
