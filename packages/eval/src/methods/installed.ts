import { pathToFileURL } from 'node:url'
import { type AnyMethodSpec, cacheMethods, MethodRegistry } from '@kv/cache'
import { exitMethods } from '@kv/early-exit'
import { evictMethods } from '@kv/evict'
import { mergeMethods } from '@kv/merge-minicache'
import { quantMethods } from '@kv/quant-gear'
import { retrievalMethods } from '@kv/retrieval-ann'
import { checkMethodSpec } from './check-method-spec.js'

/** Every method of the @kv packages, each package's own specs. */
export const KV_METHODS: readonly AnyMethodSpec[] = [
  ...cacheMethods,
  ...quantMethods,
  ...evictMethods,
  ...mergeMethods,
  ...retrievalMethods,
  ...exitMethods,
]

/**
 * The registry the `kv` command builds pipelines from: the @kv packages' methods, then `extra` (a third
 * party's). A name taken twice is an error.
 *
 * @example
 * const registry = methodRegistry([myMethod])
 * await evalCommand(['--pipelines', 'my-method:k=2'], registry)
 */
export function methodRegistry(extra: readonly AnyMethodSpec[] = []): MethodRegistry {
  return new MethodRegistry([...KV_METHODS, ...extra])
}

/**
 * Method specs from modules (`kv --methods ./my-methods.js`): each module exports `methods`, an array of
 * specs (or its default export is one). The error names the module.
 */
export async function loadMethodModules(paths: readonly string[]): Promise<AnyMethodSpec[]> {
  const specs: AnyMethodSpec[] = []
  for (const path of paths) {
    let module: Record<string, unknown>
    try {
      module = (await import(pathToFileURL(path).href)) as Record<string, unknown>
    } catch (error) {
      throw new Error(`--methods ${path}: cannot import it (${(error as Error).message})`)
    }
    const exported = module.methods ?? module.default
    if (!Array.isArray(exported)) {
      throw new TypeError(`--methods ${path}: the module must export \`methods\`, an array of method specs`)
    }
    for (const spec of exported as AnyMethodSpec[]) checkMethodSpec(spec, `--methods ${path}:`)
    specs.push(...(exported as AnyMethodSpec[]))
  }
  return specs
}
