import { constants, type Stats } from 'node:fs'
import { type FileHandle, open, stat } from 'node:fs/promises'
import { CheckpointError, messageOf } from '../model/checkpoint-error.js'

/** The most bytes one `read` call moves (Node refuses reads of 2 GiB or more). */
const READ_CHUNK = 1 << 30

function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory'
  if (stats.isFIFO()) return 'a FIFO (named pipe)'
  if (stats.isCharacterDevice()) return 'a character device'
  if (stats.isBlockDevice()) return 'a block device'
  if (stats.isSocket()) return 'a socket'
  return 'not a regular file'
}

/** An open regular file and its size, read only through positioned reads. */
export interface RegularFile {
  readonly handle: FileHandle
  readonly size: number
}

/**
 * Opens `path` for reading if it is a regular file (after following symlinks). A directory, FIFO or
 * device is refused before it is opened, and again on the open handle (opened non-blocking, so that a
 * FIFO swapped in meanwhile cannot hang the open): a `CheckpointError` naming the file and `what` it is.
 */
export async function openRegularFile(path: string, what: string, label = path): Promise<RegularFile> {
  let before: Stats
  try {
    before = await stat(path)
  } catch (error) {
    throw new CheckpointError(label, undefined, `cannot read ${what}: ${messageOf(error)}`, { cause: error })
  }
  if (!before.isFile())
    throw new CheckpointError(label, undefined, `${what} is ${kindOf(before)}, not a regular file`)
  let handle: FileHandle
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK)
  } catch (error) {
    throw new CheckpointError(label, undefined, `cannot read ${what}: ${messageOf(error)}`, { cause: error })
  }
  try {
    const opened = await handle.stat()
    if (!opened.isFile())
      throw new CheckpointError(label, undefined, `${what} is ${kindOf(opened)}, not a regular file`)
    return { handle, size: opened.size }
  } catch (error) {
    await handle.close()
    throw error instanceof CheckpointError
      ? error
      : new CheckpointError(label, undefined, `cannot read ${what}: ${messageOf(error)}`, { cause: error })
  }
}

/** One positioned read; an I/O error becomes a `CheckpointError` naming the file and the offset. */
async function readChunk(
  file: RegularFile,
  target: Uint8Array,
  at: number,
  length: number,
  position: number,
  path: string,
) {
  try {
    return (await file.handle.read(target, at, length, position)).bytesRead
  } catch (error) {
    const detail = `cannot read ${length} bytes at byte ${position}: ${messageOf(error)}`
    throw new CheckpointError(path, undefined, detail, { cause: error })
  }
}

/**
 * Fills `target` with the file's bytes from `position` on, in reads of at most 1 GiB, so that ranges past
 * 2 GiB and longer than 2 GiB work; a file that ends early is a `CheckpointError`.
 */
export async function readAt(
  file: RegularFile,
  target: Uint8Array,
  position: number,
  path: string,
): Promise<void> {
  let done = 0
  while (done < target.byteLength) {
    const length = Math.min(READ_CHUNK, target.byteLength - done)
    const bytesRead = await readChunk(file, target, done, length, position + done, path)
    if (bytesRead === 0) {
      throw new CheckpointError(
        path,
        undefined,
        `file ended at byte ${position + done}, ${target.byteLength - done} bytes short of the range [${position}, ${position + target.byteLength})`,
      )
    }
    done += bytesRead
  }
}

/** Runs `use` on the opened regular file and closes it afterwards; `label` names it in errors. */
export async function withRegularFile<T>(
  path: string,
  what: string,
  use: (file: RegularFile) => Promise<T>,
  label = path,
): Promise<T> {
  const file = await openRegularFile(path, what, label)
  try {
    return await use(file)
  } finally {
    await file.handle.close()
  }
}
