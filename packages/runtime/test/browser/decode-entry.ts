// The page of the browser decode test: fetches the model's files from the test server (no disk), builds
// the model with modelFromBytes and runs greedyRun; the result lands in globalThis.__kvResult.
import { modelFromBytes } from '../../src/index.js'
import { greedyRun } from './greedy.js'

async function file(name: string): Promise<Response> {
  const response = await fetch(`/model/${name}`)
  if (!response.ok) throw new Error(`GET /model/${name}: ${response.status}`)
  return response
}

async function main() {
  const params = new URLSearchParams(
    (globalThis as unknown as { location: { search: string } }).location.search,
  )
  const [config, weights, tokenizer, tokenizerConfig, heads] = await Promise.all([
    file('config.json').then((r) => r.json()),
    file('model.safetensors').then((r) => r.arrayBuffer()),
    file('tokenizer.json').then((r) => r.json()),
    file('tokenizer_config.json').then((r) => r.json()),
    file('retrieval-heads.json').then((r) => r.json()),
  ])
  const model = modelFromBytes({
    config,
    safetensors: new Uint8Array(weights),
    tokenizer: { json: tokenizer, config: tokenizerConfig },
    name: 'kvtiny-7m',
  })
  return greedyRun(model, params.get('spec')!, params.get('prompt')!, Number(params.get('steps')), heads)
}

const page = globalThis as unknown as { __kvResult?: unknown }
main().then(
  (result) => {
    page.__kvResult = result
  },
  (error: unknown) => {
    page.__kvResult = { error: error instanceof Error ? `${error.message}\n${error.stack}` : String(error) }
  },
)
