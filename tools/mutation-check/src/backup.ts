import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'

/**
 * Copies of the source files a mutant changes, kept under `tools/mutation-check/.backup/` (mirroring their
 * repository paths) while the mutant is in place. A run that dies (kill -9, power loss) leaves them
 * there; the next run puts them back before anything else ({@link restoreLeftovers}).
 */
export class Backups {
  constructor(
    private readonly root: string,
    private readonly dir: string,
  ) {}

  /** Saves `file` (repository-relative) before it is changed. */
  save(file: string): void {
    const copy = join(this.dir, file)
    mkdirSync(dirname(copy), { recursive: true })
    copyFileSync(join(this.root, file), copy)
  }

  /** Puts `file` back from its copy and drops the copy. */
  restore(file: string): void {
    const copy = join(this.dir, file)
    if (!existsSync(copy)) return
    copyFileSync(copy, join(this.root, file))
    rmSync(copy)
  }

  /** Puts back every file a previous run left a copy of; returns their paths. */
  restoreLeftovers(): string[] {
    if (!existsSync(this.dir)) return []
    const files = walk(this.dir).map((path) => relative(this.dir, path))
    for (const file of files) this.restore(file)
    rmSync(this.dir, { recursive: true, force: true })
    return files
  }
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? walk(path) : [path]
  })
}
