/** Where in a stored state a problem was found: the section (by kind and index) and the field. */
export interface FormatErrorLocation {
  /** `magic`, `version`, `header`, `graph`, `data`, `end`, or `frame` for a section's own frame. */
  readonly section: string
  /** The section's index in the file (0 = the header section), when the problem is inside a section. */
  readonly sectionIndex?: number
  /** The field that is wrong, e.g. `crc32`, `length`, `identity`, `pipeline`, `dtype`. */
  readonly field: string
}

/**
 * A stored state that cannot be read: truncated, corrupted (a section's checksum), from another model or
 * pipeline than the caller expects, written by a newer format version, or with lengths past the limits.
 * Never a partly read state: the reader throws before returning anything.
 *
 * @example
 * try { await readState(chunks, { expect: { pipeline: 'kivi:bits=4' } }) }
 * catch (error) { if (error instanceof StoreFormatError) console.warn(error.section, error.field, error.message) }
 */
export class StoreFormatError extends Error {
  readonly section: string
  readonly sectionIndex: number | undefined
  readonly field: string

  constructor(location: FormatErrorLocation, message: string) {
    const where =
      location.sectionIndex === undefined
        ? `${location.section}.${location.field}`
        : `${location.section} section #${location.sectionIndex}, ${location.field}`
    super(`@kv/store: ${where}: ${message}`)
    this.name = 'StoreFormatError'
    this.section = location.section
    this.sectionIndex = location.sectionIndex
    this.field = location.field
  }
}

/** A state that cannot be written: a value that is not plain data (with its path), or a record too large. */
export class StoreSaveError extends Error {
  readonly path: string

  constructor(path: string, message: string) {
    super(`@kv/store: cannot save ${path}: ${message}`)
    this.name = 'StoreSaveError'
    this.path = path
  }
}
