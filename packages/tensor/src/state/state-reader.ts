import type { PlainState } from '../contracts/state.js'

type ArrayType<T extends ArrayBufferView> = { new (length: number): T; readonly name: string }

/**
 * Reads a plug-in's saved state (`Stateful.loadState`) field by field. Every getter checks the type and
 * returns copies of typed arrays, so a state can be loaded more than once; errors name the plug-in and
 * the field.
 *
 * @example
 * loadState(state) {
 *   const read = new StateReader('h2o', state)
 *   promptLength = read.number('promptLength', { integer: true, min: -1 })
 * }
 */
export class StateReader {
  readonly where: string
  readonly #fields: { readonly [key: string]: PlainState }

  constructor(where: string, state: PlainState) {
    this.where = where
    if (state === null || typeof state !== 'object' || Array.isArray(state) || ArrayBuffer.isView(state)) {
      throw new TypeError(`${where}: the saved state must be an object of fields, got ${describe(state)}`)
    }
    this.#fields = state as { readonly [key: string]: PlainState }
  }

  #field(key: string): PlainState {
    if (!Object.hasOwn(this.#fields, key))
      throw new TypeError(`${this.where}: the saved state has no field "${key}"`)
    return this.#fields[key]!
  }

  #fail(key: string, expected: string, value: PlainState): never {
    throw new TypeError(
      `${this.where}: saved state field "${key}" must be ${expected}, got ${describe(value)}`,
    )
  }

  number(key: string, range: { integer?: boolean; min?: number; max?: number } = {}): number {
    const value = this.#field(key)
    if (typeof value !== 'number' || Number.isNaN(value)) this.#fail(key, 'a number', value)
    if (range.integer && !Number.isInteger(value)) this.#fail(key, 'an integer', value)
    if ((range.min !== undefined && value < range.min) || (range.max !== undefined && value > range.max)) {
      this.#fail(key, `in [${range.min ?? '-∞'}, ${range.max ?? '∞'}]`, value)
    }
    return value
  }

  boolean(key: string): boolean {
    const value = this.#field(key)
    if (typeof value !== 'boolean') this.#fail(key, 'true or false', value)
    return value
  }

  /** A copy of a typed array field (of `type` exactly). */
  array<T extends ArrayBufferView>(key: string, type: ArrayType<T>): T {
    const value = this.#field(key)
    return copyArray(value, type, () => this.#fail(key, `a ${type.name}`, value))
  }

  /** A typed array field that may be null. */
  arrayOrNull<T extends ArrayBufferView>(key: string, type: ArrayType<T>): T | null {
    return this.#field(key) === null ? null : this.array(key, type)
  }

  list(key: string): readonly PlainState[] {
    const value = this.#field(key)
    if (!Array.isArray(value)) this.#fail(key, 'a list', value)
    return value
  }

  /** A nested object, read the same way. */
  object(key: string): StateReader {
    return new StateReader(`${this.where}.${key}`, this.#field(key))
  }

  /** A field as saved (for a part another reader checks). */
  raw(key: string): PlainState {
    return this.#field(key)
  }
}

/** A copy of `value` when it is a typed array of `type`; else calls `fail`. */
export function copyArray<T extends ArrayBufferView>(
  value: PlainState,
  type: ArrayType<T>,
  fail: () => never,
): T {
  if (!(value instanceof (type as unknown as new () => T))) return fail()
  const source = value as unknown as { readonly length: number; slice(): T }
  return source.slice()
}

function describe(value: PlainState): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return `a list of ${value.length}`
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`
  if (typeof value === 'object') return 'an object'
  return `${typeof value} ${String(value)}`
}
