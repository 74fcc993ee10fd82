import { accessSync, constants, existsSync, statSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { UsageError } from './options.js'

/**
 * Checks, before any work, that a result can be written where an option says: a file path whose folder
 * exists and is writable (and which is not itself a folder), or with `folder: true` a folder that exists
 * and is writable or can be created under a writable one. A run should not end on "cannot write".
 */
export function checkOutputPath(
  command: string,
  option: string,
  path: string,
  settings: { folder?: boolean } = {},
): void {
  const full = resolve(path)
  const refuse = (why: string) => new UsageError(`${command}: --${option} ${path}: ${why}`)
  if (existsSync(full)) {
    const isFolder = statSync(full).isDirectory()
    if (settings.folder && !isFolder) throw refuse('is a file, not a folder')
    if (!settings.folder && isFolder) throw refuse('is a folder; give a file name')
    if (!writable(full)) throw refuse('is not writable')
    return
  }
  let parent = dirname(full)
  if (!settings.folder && !existsSync(parent)) throw refuse(`its folder ${parent} does not exist`)
  while (!existsSync(parent)) parent = dirname(parent)
  if (!statSync(parent).isDirectory()) throw refuse(`${parent} is a file, not a folder`)
  if (!writable(parent)) throw refuse(`${parent} is not writable`)
}

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK)
    return true
  } catch {
    return false
  }
}
