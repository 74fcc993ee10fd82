import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The package that holds the embedded model's files (an optional peer dependency of @kv/runtime). */
export const EMBEDDED_MODEL_PACKAGE = '@kv/model-kvtiny'

type ModelPackage = { readonly kvtinyFiles: { readonly config: URL } }

/** Imports the model package; a parameter so that a test can stand for a machine without it. */
export type ModelPackageImport = () => Promise<ModelPackage>

const importModelPackage: ModelPackageImport = () => import('@kv/model-kvtiny')

function isMissingPackage(error: unknown): boolean {
  const { code, message } = error as { code?: string; message?: string }
  return (
    (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') &&
    String(message).includes(EMBEDDED_MODEL_PACKAGE)
  )
}

/**
 * The folder of the embedded model, kvtiny-7m, from the package `@kv/model-kvtiny`; without that
 * package, an error that says how to install it or how to pass a folder instead.
 *
 * @example
 * const folder = await embeddedModelPath() // …/node_modules/@kv/model-kvtiny/kvtiny-7m
 */
export async function embeddedModelPath(load: ModelPackageImport = importModelPackage): Promise<string> {
  let files: ModelPackage['kvtinyFiles']
  try {
    files = (await load()).kvtinyFiles
  } catch (error) {
    if (!isMissingPackage(error)) throw error
    throw new Error(
      `loading the embedded model needs the package ${EMBEDDED_MODEL_PACKAGE}, which is not installed: ` +
        `npm install ${EMBEDDED_MODEL_PACKAGE} (or pass a checkpoint folder: loadModel('/path/to/model'))`,
    )
  }
  return dirname(fileURLToPath(files.config))
}
