import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import type { BuildContext } from '@kv/cache'
import { type LlamaConfig, type Model, parseLlamaConfig, requireTokenizer } from '@kv/runtime'
import { embeddedModelPath, loadModel } from '@kv/runtime/node'
import { heldOutTokens } from '../data/heldout.js'
import { buildContextFor } from './context.js'
import { UsageError } from './options.js'
import type { Progress } from './progress.js'

/** A model folder and its configuration, read before its weights so that options and specs fail fast. */
export interface ModelTarget {
  readonly folder: string
  readonly config: LlamaConfig
  /** What method specs are built against (shape, retrieval-head scores). */
  readonly context: BuildContext
  /** Whether the folder has a `tokenizer.json` (commands that read text need one). */
  readonly hasTokenizer: boolean
}

/**
 * Reads `config.json` of `--model DIR` (default: the embedded model): milliseconds, against seconds for
 * the weights. The error names the option and the file.
 */
export async function readModelTarget(folder: string | undefined): Promise<ModelTarget> {
  const path = folder === undefined ? await embeddedModelPath() : resolve(folder)
  const configPath = join(path, 'config.json')
  let raw: unknown
  try {
    raw = JSON.parse(await readFile(configPath, 'utf8'))
  } catch (error) {
    throw new UsageError(`--model ${folder ?? path}: cannot read ${configPath} (${(error as Error).message})`)
  }
  const config = parseLlamaConfig(raw, configPath)
  return {
    folder: path,
    config,
    context: buildContextFor(config, path),
    hasTokenizer: existsSync(join(path, 'tokenizer.json')),
  }
}

/** For the commands that read or write text: a folder without `tokenizer.json` fails before loading. */
export function requireTokenizerFile(target: ModelTarget, command: string): void {
  if (!target.hasTokenizer) {
    throw new UsageError(
      `${command}: --model ${target.folder} has no tokenizer.json; this command reads text (kv inspect works without one)`,
    )
  }
}

/** Loads the target's weights and tokenizer, saying so on the progress line. */
export async function loadTarget(target: ModelTarget, progress: Progress): Promise<Model> {
  progress.update({ stage: 'loading model' })
  return loadModel(target.folder)
}

/** The held-out token stream, saying so on the progress line. */
export async function heldOutFor(model: Model, command: string, progress: Progress): Promise<Int32Array> {
  const tokenizer = requireTokenizer(model, command)
  progress.update({ stage: 'tokenizing held-out text' })
  return heldOutTokens(tokenizer, model.config.bosTokenId)
}
