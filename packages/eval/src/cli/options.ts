import { didYouMean } from './did-you-mean.js'

/** One `--name VALUE` option of a command: its type, default and range. */
export type OptionSpec =
  | { readonly type: 'string'; readonly default?: string; readonly metavar?: string }
  | {
      readonly type: 'integer' | 'number'
      readonly default?: number
      readonly min?: number
      readonly max?: number
    }
  | { readonly type: 'integers'; readonly default?: readonly number[]; readonly min?: number }
  | { readonly type: 'choice'; readonly choices: readonly string[]; readonly default?: string }
  | { readonly type: 'flag' }

export type OptionSpecs = Readonly<Record<string, OptionSpec>>

type ValueOf<O extends OptionSpec> = O extends { type: 'integer' | 'number' }
  ? number
  : O extends { type: 'integers' }
    ? number[]
    : O extends { type: 'flag' }
      ? boolean
      : string

/** The parsed values: options with a default (and flags) are always there. */
export type OptionValues<S extends OptionSpecs> = {
  -readonly [K in keyof S]: S[K] extends { type: 'flag' } | { default: unknown }
    ? ValueOf<S[K]>
    : ValueOf<S[K]> | undefined
}

/** A mistake on the command line: the message names the command and the option. */
export class UsageError extends RangeError {
  override readonly name = 'UsageError'
}

/** Options `kv` takes before the command's own (`--methods FILE`), named in suggestions and lists. */
export const GLOBAL_OPTION_NAMES = ['methods'] as const

/** Options every command takes. */
export const COMMON_OPTIONS = {
  quiet: { type: 'flag' },
} as const satisfies OptionSpecs

function range(spec: { min?: number; max?: number }): string {
  if (spec.min !== undefined && spec.max !== undefined) return ` in ${spec.min}…${spec.max}`
  if (spec.min !== undefined) return ` ≥ ${spec.min}`
  if (spec.max !== undefined) return ` ≤ ${spec.max}`
  return ''
}

/** What an option expects, in words: "an integer ≥ 1", "one of streaming, prefill". */
export function expected(spec: OptionSpec): string {
  switch (spec.type) {
    case 'integer':
      return `an integer${range(spec)}`
    case 'number':
      return `a number${range(spec)}`
    case 'integers':
      return `comma-separated integers${range(spec)}`
    case 'choice':
      return `one of ${spec.choices.join(', ')}`
    case 'string':
      return spec.metavar ?? 'a value'
    case 'flag':
      return 'no value'
  }
}

function checkRange(value: number, spec: { min?: number; max?: number }): boolean {
  return (spec.min === undefined || value >= spec.min) && (spec.max === undefined || value <= spec.max)
}

function parseValue(command: string, name: string, raw: string, spec: OptionSpec): unknown {
  const bad = () =>
    new UsageError(`${command}: --${name} must be ${expected(spec)}, got ${JSON.stringify(raw)}`)
  switch (spec.type) {
    case 'integer':
    case 'number': {
      const text = raw.trim()
      const value = Number(text)
      if (text === '' || !Number.isFinite(value)) throw bad()
      if (spec.type === 'integer' && !Number.isInteger(value)) throw bad()
      if (!checkRange(value, spec)) throw bad()
      return value
    }
    case 'integers': {
      const items = raw
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== '')
      const values = items.map(Number)
      if (values.some((v) => !Number.isInteger(v) || !checkRange(v, spec))) throw bad()
      return values
    }
    case 'choice':
      if (!spec.choices.includes(raw)) {
        throw new UsageError(
          `${command}: --${name} must be ${expected(spec)}, got ${JSON.stringify(raw)}${didYouMean(raw, spec.choices)}`,
        )
      }
      return raw
    case 'string':
      if (raw === '') throw new UsageError(`${command}: --${name} needs a value`)
      return raw
    case 'flag':
      throw new UsageError(`${command}: --${name} takes no value, got ${JSON.stringify(raw)}`)
  }
}

/**
 * Parses `--name VALUE`, `--name=VALUE`, `--flag` and positionals (when allowed; `--` ends the options)
 * against a command's declared options, and checks every value's type and range before the command does
 * any work. Unknown options suggest the nearest known ones.
 *
 * @example
 * const { values } = parseCommandLine('kv demo', ['--context', '512'], { context: { type: 'integer', default: 1024, min: 2 } })
 */
export function parseCommandLine<const S extends OptionSpecs>(
  command: string,
  argv: readonly string[],
  specs: S,
  settings: { positionals?: boolean } = {},
): { values: OptionValues<S & typeof COMMON_OPTIONS>; positionals: string[] } {
  const all: OptionSpecs = { ...specs, ...COMMON_OPTIONS }
  const names = Object.keys(all)
  const values: Record<string, unknown> = {}
  const positionals: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === '--') {
      if (!settings.positionals) throw new UsageError(`${command} takes no arguments after --`)
      positionals.push(...argv.slice(i + 1))
      break
    }
    if (!arg.startsWith('-') || arg === '-') {
      if (!settings.positionals)
        throw new UsageError(`${command} takes no arguments, got ${JSON.stringify(arg)}`)
      positionals.push(arg)
      continue
    }
    const body = arg.replace(/^--?/, '')
    const equals = body.indexOf('=')
    const name = equals < 0 ? body : body.slice(0, equals)
    const spec = Object.hasOwn(all, name) ? all[name] : undefined
    if (!spec) {
      const known = [...names, ...GLOBAL_OPTION_NAMES]
      throw new UsageError(
        `${command}: unknown option --${name}${didYouMean(name, known, '--')}; options: ${known.map((n) => `--${n}`).join(', ')}`,
      )
    }
    if (Object.hasOwn(values, name)) throw new UsageError(`${command}: --${name} is given twice`)
    if (spec.type === 'flag') {
      if (equals >= 0) parseValue(command, name, body.slice(equals + 1), spec)
      values[name] = true
      continue
    }
    let raw: string | undefined
    if (equals >= 0) raw = body.slice(equals + 1)
    else {
      raw = argv[i + 1]
      // A following option is not this one's value (negative numbers still are).
      if (raw !== undefined && /^--?[a-z]/i.test(raw)) raw = undefined
      else i++
    }
    if (raw === undefined) throw new UsageError(`${command}: --${name} needs ${expected(spec)}`)
    values[name] = parseValue(command, name, raw, spec)
  }
  for (const [name, spec] of Object.entries(all)) {
    if (Object.hasOwn(values, name)) continue
    if (spec.type === 'flag') values[name] = false
    else if (spec.default !== undefined)
      values[name] = Array.isArray(spec.default) ? [...spec.default] : spec.default
  }
  return { values: values as OptionValues<S & typeof COMMON_OPTIONS>, positionals }
}

/** The options of a command for its help text, one a line: `--tokens  an integer ≥ 2 (default 1024)`. */
export function describeOptions(specs: OptionSpecs): string {
  const entries = Object.entries({ ...specs, ...COMMON_OPTIONS })
  const width = Math.max(...entries.map(([name]) => name.length)) + 2
  return entries
    .map(([name, spec]) => {
      const value = 'default' in spec ? spec.default : undefined
      const fallback =
        value === undefined ? '' : ` (default ${Array.isArray(value) ? value.join(',') : value})`
      const what = spec.type === 'flag' ? 'no progress line on stderr' : expected(spec)
      return `    --${name.padEnd(width)}${what}${name === 'quiet' ? '' : fallback}`
    })
    .join('\n')
}
