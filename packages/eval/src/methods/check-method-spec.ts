import type { AnyMethodSpec, ParamSpec } from '@kv/cache'

const SLOTS = new Set(['codec', 'policy', 'exit', 'extensions'])
const TYPES = new Set(['number', 'boolean', 'choice', 'string'])

function checkParam(name: string, param: ParamSpec, where: string): void {
  const at = `${where} parameter ${name}`
  if (typeof param !== 'object' || param === null || !TYPES.has(param.type))
    throw new TypeError(
      `${at}: type must be number, boolean, choice or string, got ${JSON.stringify((param as { type?: unknown })?.type)}`,
    )
  if (typeof param.summary !== 'string' || param.summary === '') throw new TypeError(`${at}: needs a summary`)
  if (param.type === 'number') {
    for (const bound of ['min', 'max'] as const) {
      const value = param[bound]
      if (value !== undefined && !Number.isFinite(value))
        throw new TypeError(`${at}: ${bound} must be a finite number, got ${value}`)
    }
    if (param.min !== undefined && param.max !== undefined && param.min > param.max)
      throw new RangeError(`${at}: min ${param.min} is above max ${param.max}`)
    const d = param.default
    if (d !== undefined) {
      if (!Number.isFinite(d) || (param.integer && !Number.isInteger(d)))
        throw new RangeError(`${at}: default ${d} is not ${param.integer ? 'an integer' : 'a finite number'}`)
      if ((param.min !== undefined && d < param.min) || (param.max !== undefined && d > param.max))
        throw new RangeError(`${at}: default ${d} is outside ${param.min ?? '−∞'}…${param.max ?? '∞'}`)
    }
  }
  if (param.type === 'choice') {
    if (!Array.isArray(param.choices) || param.choices.length === 0)
      throw new TypeError(`${at}: needs at least one choice`)
    if (param.default !== undefined && !param.choices.includes(param.default))
      throw new RangeError(`${at}: default ${param.default} is not one of ${param.choices.join(', ')}`)
  }
}

/**
 * Checks a method spec loaded with `--methods FILE` before any work: its slots, and every parameter's
 * declaration (type, summary, a range with min ≤ max, a default inside it, choices). The error names the
 * module, the method and the parameter.
 *
 * @example
 * checkMethodSpec(spec, '--methods ./my-methods.js:')
 */
export function checkMethodSpec(spec: AnyMethodSpec, where: string): void {
  if (typeof spec !== 'object' || spec === null)
    throw new TypeError(`${where} a method spec must be an object`)
  const name = typeof spec.name === 'string' ? spec.name : String(spec.name)
  const at = `${where} method ${name}`
  if (typeof spec.summary !== 'string' || spec.summary === '') throw new TypeError(`${at}: needs a summary`)
  if (!Array.isArray(spec.provides) || spec.provides.length === 0 || spec.provides.some((s) => !SLOTS.has(s)))
    throw new TypeError(`${at}: provides must list cache slots among ${[...SLOTS].join(', ')}`)
  if (typeof spec.params !== 'object' || spec.params === null)
    throw new TypeError(`${at}: params must be an object`)
  for (const [param, declaration] of Object.entries(spec.params as Record<string, ParamSpec>))
    checkParam(param, declaration, at)
}
