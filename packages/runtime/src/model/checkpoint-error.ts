/**
 * A checkpoint that cannot be loaded as it is: a file that is not a regular file or is too large, bad
 * JSON, a safetensors header that does not describe its file, a weight that is NaN or infinite, a
 * `config.json` that does not match the tensors. `file` names the file (or the in-memory source), and
 * `field` the config field, header field or tensor at fault when there is one; the message says both.
 *
 * @example
 * try {
 *   await loadModel('/models/downloaded')
 * } catch (error) {
 *   if (error instanceof CheckpointError) console.error(`${error.file} (${error.field}): ${error.message}`)
 * }
 */
export class CheckpointError extends Error {
  override readonly name = 'CheckpointError'
  /** The file (or in-memory source) at fault. */
  readonly file: string
  /** The config field, header field or tensor at fault, when the fault is in one. */
  readonly field: string | undefined

  constructor(file: string, field: string | undefined, detail: string, options?: { cause?: unknown }) {
    super(`${file}: ${detail}`, options)
    this.file = file
    this.field = field
  }
}

/** The message of a thrown value, for wrapping it into a `CheckpointError`. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
