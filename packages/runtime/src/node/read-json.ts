import { readFile } from 'node:fs/promises'

/** Reads and parses a JSON file; an unreadable file or bad JSON is an error naming it and `what` it is. */
export async function readJsonFile(path: string, what: string): Promise<unknown> {
  const text = await readText(path, what, false)
  return parse(text!, path, what)
}

/** As `readJsonFile`, but a file that does not exist gives `undefined`. */
export async function readOptionalJsonFile(path: string, what: string): Promise<unknown> {
  const text = await readText(path, what, true)
  return text === undefined ? undefined : parse(text, path, what)
}

async function readText(path: string, what: string, optional: boolean): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8')
  } catch (error) {
    if (optional && (error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new Error(`cannot read ${what} ${path}: ${(error as Error).message}`)
  }
}

function parse(text: string, path: string, what: string): unknown {
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new Error(`cannot read ${what} ${path}: ${(error as Error).message}`)
  }
}
