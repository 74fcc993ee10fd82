/** One deliberately broken variant of the code a property test guards. */
export interface Mutant {
  /** Short unique name, shown in the table and accepted by `--only`. */
  readonly id: string
  /** The source file changed, relative to the repository root. */
  readonly file: string
  /** Text that must occur exactly once in `file`. */
  readonly find: string
  /** What it becomes: the defect. */
  readonly replace: string
  /** The test file that must fail with the defect in place, relative to the repository root. */
  readonly test: string
  /** The defect in words. */
  readonly defect: string
}

/** Throws unless `find` occurs exactly once in `text`; returns the mutated text. */
export function mutate(text: string, mutant: Mutant): string {
  const first = text.indexOf(mutant.find)
  if (first < 0) throw new Error(`mutant ${mutant.id}: "${mutant.find}" not found in ${mutant.file}`)
  if (text.indexOf(mutant.find, first + 1) >= 0) {
    throw new Error(`mutant ${mutant.id}: "${mutant.find}" occurs more than once in ${mutant.file}`)
  }
  if (mutant.find === mutant.replace) throw new Error(`mutant ${mutant.id}: replacement changes nothing`)
  return text.slice(0, first) + mutant.replace + text.slice(first + mutant.find.length)
}
