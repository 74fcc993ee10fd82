import type { CacheOptions } from '@kv/cache'
import { CompositionError } from '@kv/cache'
import { type BuildContext, METHODS, type ParamType } from './registry.js'

/** One method of a parsed spec with its parameters. */
export interface SpecPart {
  readonly method: string
  readonly params: Record<string, number | boolean | string>
}

function parseValue(raw: string, type: ParamType, where: string): number | boolean | string {
  if (type === 'number') {
    const value = Number(raw)
    if (raw.trim() === '' || !Number.isFinite(value))
      throw new RangeError(`${where} must be a number, got "${raw}"`)
    return value
  }
  if (type === 'numberOrName') {
    const value = Number(raw)
    return raw.trim() !== '' && Number.isFinite(value) ? value : raw
  }
  if (type === 'boolean') {
    if (raw === 'true' || raw === '1') return true
    if (raw === 'false' || raw === '0') return false
    throw new RangeError(`${where} must be true or false, got "${raw}"`)
  }
  return raw
}

/**
 * Parses a pipeline spec such as `streaming:sinks=4,window=508+gear:bits=4,rankDecode=2`: methods joined
 * by `+`, each with `key=value` parameters. `full` (or an empty spec) is the plain full cache. An unknown
 * method or parameter is an error that lists the valid ones.
 */
export function parseSpec(spec: string): SpecPart[] {
  const trimmed = spec.trim()
  if (trimmed === '' || trimmed === 'full') return []
  return trimmed.split('+').map((part) => {
    const [name = '', rest] = part.trim().split(/:(.*)/s) as [string, string | undefined]
    const method = name.trim()
    const entry = METHODS[method]
    if (!entry) {
      throw new RangeError(
        `unknown method "${method}" in pipeline "${spec}"; valid methods: full, ${Object.keys(METHODS).join(', ')}`,
      )
    }
    const params: Record<string, number | boolean | string> = {}
    for (const assignment of (rest ?? '').split(',').filter((s) => s.trim() !== '')) {
      const [key = '', value] = assignment.split('=') as [string, string | undefined]
      const param = key.trim()
      const type = entry.params[param]
      if (!type) {
        const valid = Object.keys(entry.params)
        throw new RangeError(
          `unknown parameter "${param}" of ${method}; valid parameters: ${valid.length ? valid.join(', ') : '(none)'}`,
        )
      }
      if (value === undefined)
        throw new RangeError(`parameter "${param}" of ${method} needs a value (${param}=…)`)
      params[param] = parseValue(value.trim(), type, `parameter ${param} of ${method}`)
    }
    return { method, params }
  })
}

/** Builds the cache plug-ins of a spec; two methods filling the same plug-in point are refused. */
export async function buildPipeline(spec: string, context: BuildContext): Promise<CacheOptions> {
  const merged: Record<string, unknown> = {}
  const owners: Record<string, string> = {}
  for (const part of parseSpec(spec)) {
    const options = await METHODS[part.method]!.build(part.params, context)
    for (const [slot, plugin] of Object.entries(options)) {
      if (slot === 'extensions') {
        merged.extensions = [
          ...((merged.extensions as unknown[] | undefined) ?? []),
          ...(plugin as unknown[]),
        ]
        continue
      }
      if (merged[slot] !== undefined) {
        throw new CompositionError(
          `${owners[slot]} and ${part.method} both provide the cache's ${slot}; choose one`,
        )
      }
      merged[slot] = plugin
      owners[slot] = part.method
    }
  }
  return merged as CacheOptions
}
