// `require('@kv/…')` from CommonJS: the packages are ES modules only; their `default` export condition lets
// Node.js load them with `require` where it can (≥ 20.19, ≥ 22.12), and elsewhere Node.js says
// ERR_REQUIRE_ESM, never the unclear ERR_PACKAGE_PATH_NOT_EXPORTED.
import { execFileSync } from 'node:child_process'

const [major, minor] = process.versions.node.split('.').map(Number)
const canRequireEsm = (major === 20 && minor >= 19) || (major === 22 && minor >= 12) || major >= 23

/** `folder`: where npm installed `names`. Returns what happened, for the closing note. */
export function checkRequire(folder, names) {
  for (const name of names) {
    const script = `
      try {
        const m = require(${JSON.stringify(name)})
        if (Object.keys(m).length === 0) throw new Error('require gave an empty module')
        console.log('loaded')
      } catch (error) {
        console.log(error.code ?? error.message)
      }`
    const outcome = execFileSync(process.execPath, ['--no-warnings', '-e', script], {
      cwd: folder,
      encoding: 'utf8',
    }).trim()
    const expected = canRequireEsm ? 'loaded' : 'ERR_REQUIRE_ESM'
    if (outcome !== expected) {
      throw new Error(
        `require('${name}') on Node.js ${process.versions.node}: expected ${expected}, got ${outcome}`,
      )
    }
  }
  return `${names.join(', ')}: ${canRequireEsm ? 'loaded by require' : 'ERR_REQUIRE_ESM (ESM only)'} on Node.js ${process.versions.node}`
}
