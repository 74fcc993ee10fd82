import { closestKeys, editDistance } from '@kv/tensor'
import type { AnyMethodSpec, ParamSpec } from './method-spec.js'

/** One method of a parsed spec with its parameters. */
export interface SpecPart {
  readonly method: string
  readonly params: Record<string, number | boolean | string>
}

/** Parses one parameter's text by its declaration; the error names the parameter and the method. */
export function parseParam(raw: string, param: ParamSpec, where: string): number | boolean | string {
  const text = raw.trim()
  switch (param.type) {
    case 'number': {
      const value = Number(text)
      if (text === '' || !Number.isFinite(value))
        throw new RangeError(`${where} must be a number, got "${raw}"`)
      checkNumber(value, param, where)
      return value
    }
    case 'boolean':
      if (text === 'true' || text === '1') return true
      if (text === 'false' || text === '0') return false
      throw new RangeError(`${where} must be true or false, got "${raw}"`)
    case 'choice': {
      const found = param.choices.find((choice) => String(choice) === text)
      if (found === undefined) {
        throw new RangeError(`${where} must be one of ${param.choices.join(', ')}, got "${raw}"`)
      }
      return found
    }
    case 'string':
      if (text === '') throw new RangeError(`${where} needs a value`)
      return text
  }
}

/** Checks a number against its declaration (integer, range). */
export function checkNumber(
  value: number,
  param: { integer?: boolean; min?: number; max?: number; minExclusive?: boolean; maxExclusive?: boolean },
  where: string,
) {
  if (!Number.isFinite(value)) throw new RangeError(`${where} must be a finite number, got ${value}`)
  if (param.integer && !Number.isInteger(value))
    throw new RangeError(`${where} must be an integer, got ${value}`)
  if (param.min !== undefined && (param.minExclusive ? value <= param.min : value < param.min))
    throw new RangeError(`${where} must be ${param.minExclusive ? '>' : '≥'} ${param.min}, got ${value}`)
  if (param.max !== undefined && (param.maxExclusive ? value >= param.max : value > param.max))
    throw new RangeError(`${where} must be ${param.maxExclusive ? '<' : '≤'} ${param.max}, got ${value}`)
}

/** Names that would reach `Object.prototype` if used as keys of a plain object: never parameters. */
const RESERVED_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype'])

/**
 * Parses `name:key=value,…+name…` against the methods given; unknown names and keys list the valid ones.
 * The parameters of each part are a null-prototype object holding only declared, own keys; `__proto__`,
 * `constructor` and `prototype` are refused by name.
 */
export function parseSpecWith(spec: string, methods: ReadonlyMap<string, AnyMethodSpec>): SpecPart[] {
  const trimmed = spec.trim()
  if (trimmed === '' || trimmed === 'full') return []
  return trimmed.split('+').map((part) => {
    const [name = '', rest] = part.trim().split(/:(.*)/s) as [string, string | undefined]
    const method = name.trim()
    const entry = methods.get(method)
    if (!entry) {
      const valid = ['full', ...methods.keys()]
      const near = valid.filter((candidate) => editDistance(candidate, method) <= 2)
      throw new RangeError(
        `unknown method "${method}" in pipeline "${spec}"${near.length ? ` (did you mean ${near.join(' or ')}?)` : ''}; valid methods: ${valid.join(', ')}`,
      )
    }
    const params: Record<string, number | boolean | string> = Object.create(null)
    for (const assignment of (rest ?? '').split(',').filter((s) => s.trim() !== '')) {
      const [key = '', value] = assignment.split('=') as [string, string | undefined]
      const param = key.trim()
      if (RESERVED_KEYS.has(param)) {
        throw new RangeError(
          `parameter name "${param}" of ${method} is reserved and never a parameter; valid parameters: ${Object.keys(entry.params).join(', ') || '(none)'}`,
        )
      }
      const declared = Object.hasOwn(entry.params, param)
        ? (entry.params as Record<string, ParamSpec>)[param]
        : undefined
      if (!declared) {
        const valid = Object.keys(entry.params)
        throw new RangeError(
          `unknown parameter "${param}" of ${method}${hint(closestKeys(param, valid))}; valid parameters: ${valid.length ? valid.join(', ') : '(none)'}`,
        )
      }
      if (value === undefined)
        throw new RangeError(`parameter "${param}" of ${method} needs a value (${param}=…)`)
      if (Object.hasOwn(params, param))
        throw new RangeError(`parameter "${param}" of ${method} is given twice`)
      params[param] = parseParam(value, declared, `parameter ${param} of ${method}`)
    }
    return { method, params }
  })
}

/** ` (did you mean "a" or "b"?)`, or nothing. */
function hint(near: readonly string[]): string {
  return near.length > 0 ? ` (did you mean ${near.map((k) => `"${k}"`).join(' or ')}?)` : ''
}
