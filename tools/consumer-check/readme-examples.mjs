// The ```ts / ```js blocks of a package README, each with the @kv packages it imports. A block is run as
// written; marker comments on the lines just before it (blank lines aside) say otherwise:
//   <!-- not-runnable: why -->        a fragment on purpose (kept rare, each with its reason)
//   <!-- runs-in: browser -->         needs a browser (fetch of the package's files): run in Chromium
//   <!-- installs: @kv/model-kvtiny --> a package the block loads without naming it in an import
//                                      (`loadModel()` loads the embedded model's package)
import { readFileSync } from 'node:fs'

const FENCE = /^```(\w*)\s*$/
const MARKER = /^<!--\s*(not-runnable|runs-in|installs):\s*(.*?)\s*-->$/

export function readmeExamples(path, packageName) {
  const lines = readFileSync(path, 'utf8').split('\n')
  const examples = []
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i])
    if (!open) continue
    const end = lines.findIndex((line, j) => j > i && /^```\s*$/.test(line))
    if (end < 0) throw new Error(`${path}:${i + 1}: code block never closed`)
    if (['ts', 'js', 'typescript', 'javascript'].includes(open[1])) {
      const markers = {}
      for (let before = i - 1; before >= 0; before--) {
        const line = lines[before].trim()
        if (line === '') continue
        const marker = MARKER.exec(line)
        if (!marker) break
        if (marker[1] === 'not-runnable' && marker[2].length < 8) {
          throw new Error(`${path}:${before + 1}: a not-runnable marker needs its reason`)
        }
        markers[marker[1]] = marker[2]
      }
      const code = lines.slice(i + 1, end).join('\n')
      examples.push({
        id: `${packageName} README:${i + 1}`,
        lang: open[1].startsWith('t') ? 'ts' : 'js',
        code,
        skip: markers['not-runnable'],
        browser: markers['runs-in'] === 'browser',
        imports: [
          ...new Set([
            ...importedPackages(code),
            ...(markers.installs?.split(/[\s,]+/).filter(Boolean) ?? []),
          ]),
        ].sort(),
      })
    }
    i = end
  }
  return examples
}

/** `@kv/<name>` packages a block imports (static or dynamic; subpaths count as their package). */
export function importedPackages(code) {
  const found = new Set()
  for (const match of code.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*['"](@kv\/[\w-]+)(?:\/[\w/-]*)?['"]/g)) {
    found.add(match[1])
  }
  return [...found].sort()
}
