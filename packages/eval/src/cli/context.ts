import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { BuildContext, CacheOptions, MethodRegistry } from '@kv/cache'
import type { LlamaConfig, Model } from '@kv/runtime'
import { loadModel } from '@kv/runtime/node'
import type { PipelineUnderTest } from '../eval/evaluate.js'
import { methodRegistry } from '../methods/installed.js'
import { UsageError } from './options.js'

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
  return buildContextFor(model.config, model.source)
}

/** `buildContext` from a model's configuration and folder alone (before its weights are read). */
export function buildContextFor(
  config: Pick<LlamaConfig, 'numLayers' | 'numKVHeads' | 'maxPositions'>,
  folder: string | undefined,
): BuildContext {
  const artefact = folder === undefined ? undefined : join(folder, HEAD_SCORES_FILE)
  const readJson = (path: string) => {
    try {
      return JSON.parse(readFileSync(path, 'utf8'))
    } catch (error) {
      throw new Error(`cannot read ${path}: ${(error as Error).message}`)
    }
  }
  return {
    numLayers: config.numLayers,
    numKVHeads: config.numKVHeads,
    maxPositions: config.maxPositions,
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
  return pipelinesFor(specs, registry, buildContext(model))
}

/** `label=spec` or a bare spec (its own label). */
export function splitSpecs(specs: string): { label: string; spec: string }[] {
  return specs
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((raw) => {
      const labelled = /^([^=:+]+)=(.+)$/.exec(raw)
      return labelled ? { label: labelled[1]!.trim(), spec: labelled[2]!.trim() } : { label: raw, spec: raw }
    })
}

/** Checks the syntax, methods and parameters of `;`-separated specs without a model; the error names the spec. */
export function parseSpecs(specs: string, registry: MethodRegistry, where: string): void {
  const list = splitSpecs(specs)
  if (list.length === 0) throw new UsageError(`${where} names no pipeline`)
  for (const { spec } of list) {
    try {
      registry.parse(spec)
    } catch (error) {
      throw new UsageError(`${where}: ${(error as Error).message}`)
    }
  }
}

/** `pipelinesFromSpecs` for a build context (a model's configuration, before its weights are read). */
export function pipelinesFor(
  specs: string,
  registry: MethodRegistry,
  context: BuildContext,
): PipelineUnderTest[] {
  return splitSpecs(specs).map(({ label, spec }) => {
    try {
      registry.build(spec, context)
    } catch (error) {
      throw new UsageError(`pipeline "${spec}": ${(error as Error).message}`)
    }
    return { label, spec, build: async () => registry.build(spec, context) }
  })
}

export async function modelFrom(path: string | undefined): Promise<Model> {
  return loadModel(path)
}
