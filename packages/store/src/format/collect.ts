import { type AnyTypedArray, dtypeCode } from './constants.js'
import { StoreSaveError } from './errors.js'

/** The byte range of one ArrayBuffer that the state's views cover, widened to 8-byte alignment. */
export interface BufferRange {
  start: number
  end: number
}

/** A state walked once: its objects in post-order (children first) and the buffer ranges of its views. */
export interface CollectedState {
  readonly order: readonly object[]
  readonly buffers: Map<ArrayBufferLike, BufferRange>
}

function describe(value: object): string {
  if (value instanceof ArrayBuffer) return 'an ArrayBuffer (store a typed array over it)'
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`
  const name = (value as { constructor?: { name?: string } }).constructor?.name
  return name ? `a ${name}` : 'an object with a prototype'
}

/** A typed array the format can hold (not a DataView, not Float16Array where it exists). */
export function isStorableTypedArray(value: object): value is AnyTypedArray {
  return ArrayBuffer.isView(value) && dtypeCode(value) >= 0
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/**
 * Walks a state (plain data: null, booleans, numbers, strings, typed arrays, arrays and plain objects)
 * once, depth first. Throws a StoreSaveError naming the path of anything else, and of a cycle.
 */
export function collectState(root: unknown): CollectedState {
  const order: object[] = []
  const buffers = new Map<ArrayBufferLike, BufferRange>()
  const seen = new Set<object>()
  const open = new Set<object>()

  const visit = (value: unknown, path: string): void => {
    if (value === null || value === undefined) return
    const type = typeof value
    if (type === 'boolean' || type === 'number' || type === 'string') return
    if (type !== 'object') throw new StoreSaveError(path, `a ${type} is not plain data`)
    const object = value as object
    if (open.has(object)) throw new StoreSaveError(path, 'a cycle (an object contains itself)')
    if (seen.has(object)) return
    if (ArrayBuffer.isView(object)) {
      if (!isStorableTypedArray(object)) throw new StoreSaveError(path, `${describe(object)} is not storable`)
      const start = object.byteOffset - (object.byteOffset % 8)
      const end = object.byteOffset + object.byteLength
      const range = buffers.get(object.buffer)
      if (range === undefined) buffers.set(object.buffer, { start, end })
      else {
        range.start = Math.min(range.start, start)
        range.end = Math.max(range.end, end)
      }
    } else if (Array.isArray(object)) {
      open.add(object)
      for (let i = 0; i < object.length; i++) visit(object[i], `${path}[${i}]`)
      open.delete(object)
    } else if (isPlainObject(object)) {
      open.add(object)
      for (const key of Object.keys(object)) visit((object as Record<string, unknown>)[key], `${path}.${key}`)
      open.delete(object)
    } else {
      throw new StoreSaveError(path, `${describe(object)} is not plain data`)
    }
    seen.add(object)
    order.push(object)
  }
  visit(root, 'state')
  return { order, buffers }
}
