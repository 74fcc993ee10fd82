import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { BuildContext, CacheOptions, MethodRegistry } from '@kv/cache'
import type { Model } from '@kv/runtime'
import { loadModel } from '@kv/runtime/node'
import type { PipelineUnderTest } from '../eval/evaluate.js'
import { methodRegistry } from '../methods/installed.js'

/** The file a model's retrieval-head scores are kept in, beside its weights. */
export const HEAD_SCORES_FILE = 'retrieval-heads.json'

/** The folder a model was read from: `loadModel` puts it in `model.source`. */
export function checkpointFolder(model: Model): string {
  if (model.source === undefined) throw new Error('kv: the model was not read from a checkpoint folder')
  return model.source
}

/**
 * What the spec builder needs of a model: its shape, and the retrieval-head scores kept beside its
 * weights (`retrieval-heads.json` in the folder `loadModel` read, `model.source`) when there are any.
 *
 * @example
 * const options = methodRegistry().build('razor:sinks=4,recent=64', buildContext(model))
 */
export function buildContext(model: Model): BuildContext {
  const artefact = model.source === undefined ? undefined : join(model.source, HEAD_SCORES_FILE)
  const readJson = (path: string) => {
    try {
      return JSON.parse(readFileSync(path, 'utf8'))
    } catch (error) {
      throw new Error(`cannot read ${path}: ${(error as Error).message}`)
    }
  }
  return {
    numLayers: model.config.numLayers,
    numKVHeads: model.config.numKVHeads,
    maxPositions: model.config.maxPositions,
    readJson,
    headScores: artefact !== undefined && existsSync(artefact) ? readJson(artefact) : undefined,
  }
}

/** The cache options of one spec for a model, from the registry (default: every @kv method). */
export function buildPipeline(
  model: Model,
  spec: string,
  registry: MethodRegistry = methodRegistry(),
): CacheOptions {
  return registry.build(spec, buildContext(model))
}

/**
 * Pipelines from `;`-separated specs, each optionally labelled `label=spec`; each spec is built once here,
 * so that a bad one fails before any evaluation runs.
 *
 * @example
 * const pipelines = await pipelinesFromSpecs(model, 'kivi4=kivi:bits=4;streaming:sinks=4,window=252')
 */
export async function pipelinesFromSpecs(
  model: Model,
  specs: string,
  registry: MethodRegistry = methodRegistry(),
): Promise<PipelineUnderTest[]> {
  const context = buildContext(model)
  const pipelines: PipelineUnderTest[] = []
  for (const raw of specs
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const labelled = /^([^=:]+)=(.+)$/.exec(raw)
    const label = labelled ? labelled[1]! : raw
    const spec = labelled ? labelled[2]! : raw
    registry.build(spec, context)
    pipelines.push({ label, spec, build: async () => registry.build(spec, context) })
  }
  return pipelines
}

export async function modelFrom(path: string | undefined): Promise<Model> {
  return loadModel(path)
}

/** Writes a progress line that overwrites itself on a terminal. */
export function progress(message: string): void {
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K${message}`)
  else process.stderr.write(`${message}\n`)
}

export function endProgress(): void {
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[K')
}
