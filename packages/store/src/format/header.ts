import type { ByteCursor } from './byte-cursor.js'
import type { ByteWriter } from './byte-writer.js'
import { VALUE } from './constants.js'

/** A codec or pipeline parameter recorded in the header (informative; the pipeline spec is what is checked). */
export type HeaderParam = string | number | boolean

/** What a stored state says about itself, read before its body. */
export interface StateHeader {
  /** The model identity (e.g. `modelIdentity(config, weights)`), compared byte for byte on read. */
  readonly identity: Uint8Array
  /** The pipeline spec the cache was built with, e.g. `kivi:bits=4`, compared exactly on read. */
  readonly pipeline: string
  /** Codec parameters and anything else the writer wants to record (token count, model name, ...). */
  readonly params: Readonly<Record<string, HeaderParam>>
}

/** The header to write: the identity may be given as a string (written as its UTF-8 bytes). */
export interface StateHeaderInput {
  readonly identity: Uint8Array | string
  readonly pipeline: string
  readonly params?: Readonly<Record<string, HeaderParam>>
}

/** The largest identity, in bytes: a hash or a name, never a payload. */
export const MAX_IDENTITY_BYTES = 1024

const encoder = new TextEncoder()

/** The identity as bytes: strings are UTF-8. */
export function identityBytes(identity: Uint8Array | string): Uint8Array {
  return typeof identity === 'string' ? encoder.encode(identity) : identity
}

export function writeHeader(out: ByteWriter, header: StateHeaderInput): void {
  const identity = identityBytes(header.identity)
  if (identity.length > MAX_IDENTITY_BYTES)
    throw new RangeError(`@kv/store: identity of ${identity.length} bytes, at most ${MAX_IDENTITY_BYTES}`)
  out.varint(identity.length)
  out.raw(identity)
  out.string(header.pipeline)
  const entries = Object.entries(header.params ?? {})
  out.varint(entries.length)
  for (const [key, value] of entries) {
    out.string(key)
    if (typeof value === 'string') {
      out.u8(VALUE.string)
      out.string(value)
    } else if (typeof value === 'boolean') {
      out.u8(value ? VALUE.true : VALUE.false)
    } else if (typeof value === 'number') {
      out.u8(VALUE.float64)
      out.float64(value)
    } else {
      throw new TypeError(
        `@kv/store: header param ${key} is a ${typeof value}, not a string, number or boolean`,
      )
    }
  }
}

export function readHeader(cursor: ByteCursor): StateHeader {
  const identityLength = cursor.varint('identity')
  if (identityLength > MAX_IDENTITY_BYTES)
    cursor.fail('identity', `length ${identityLength} is past the limit of ${MAX_IDENTITY_BYTES} bytes`)
  const identity = cursor.raw(identityLength, 'identity').slice()
  const pipeline = cursor.string('pipeline')
  const count = cursor.count('params', 2)
  const params: Record<string, HeaderParam> = Object.create(null)
  for (let i = 0; i < count; i++) {
    const key = cursor.string('params')
    if (Object.hasOwn(params, key)) cursor.fail('params', `duplicate key ${JSON.stringify(key)}`)
    const tag = cursor.u8('params')
    if (tag === VALUE.string) params[key] = cursor.string('params')
    else if (tag === VALUE.true || tag === VALUE.false) params[key] = tag === VALUE.true
    else if (tag === VALUE.float64) params[key] = cursor.float64('params')
    else
      cursor.fail('params', `value tag ${tag} of ${JSON.stringify(key)} is not a string, number or boolean`)
  }
  if (cursor.remaining !== 0) cursor.fail('length', `${cursor.remaining} unread byte(s) after the params`)
  return { identity, pipeline, params: { ...params } }
}
