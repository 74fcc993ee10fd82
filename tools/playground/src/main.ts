import { heldOut } from 'virtual:kv-heldout'
import { CompositionError } from '@kv/cache'
import { drawCache, SLOT_COLOURS } from './cache-view.js'
import { Composer } from './composer.js'
import { defaultPrompt } from './default-prompt.js'
import { byId, el, formatBytes } from './dom.js'
import { gpuPlan } from './gpu-plan.js'
import { composerRows, playgroundRegistry } from './methods.js'
import { summarize } from './metrics.js'
import { type LoadedModel, loadPlaygroundModel } from './model-loader.js'
import { plotScores } from './plot.js'
import { PRESETS } from './presets.js'
import {
  createSides,
  type Device,
  generate,
  report,
  type Side,
  type SidePair,
  type SideReport,
  scoreHeldOut,
  tokensPerSecond,
} from './session.js'

/** What the page exposes for its CI test (and for anyone curious, in the console). */
interface PlaygroundState {
  ready: boolean
  error?: string
  model?: { milliseconds: number; networkBytes: number; cachedBytes: number }
  gpu: { available: boolean; message: string }
  spec: string
  device: Device
  compositionError?: string | undefined
  generation?: {
    spec: string
    device: Device
    done: boolean
    firstTokenMs?: number
    full?: SideReport
    composed?: SideReport
    error?: string
  }
  scoring?: {
    done: boolean
    summary?: ReturnType<typeof summarize>
    error?: string
  }
  /** Generation waits after this many tokens until `resume()` (screenshots mid-generation). */
  pauseAt?: number | undefined
  paused: boolean
  resume: () => void
}

const registry = playgroundRegistry()
let resumeWaiter: (() => void) | undefined
const state: PlaygroundState = {
  ready: false,
  gpu: { available: false, message: 'checking' },
  spec: 'full',
  device: 'cpu',
  paused: false,
  resume: () => {
    state.pauseAt = undefined
    resumeWaiter?.()
  },
}
;(globalThis as { __playground?: PlaygroundState }).__playground = state

const specInput = byId<HTMLInputElement>('spec')
const composition = byId('composition')
const generateButton = byId<HTMLButtonElement>('generate')
const stopButton = byId<HTMLButtonElement>('stop')
const scoreButton = byId<HTMLButtonElement>('score')
const runStatus = byId('run-status')
const scoreStatus = byId('score-status')
const cacheCanvas = byId<HTMLCanvasElement>('cache-canvas')
const scoreCanvas = byId<HTMLCanvasElement>('score-canvas')
let loaded: LoadedModel | undefined
let busy = false
let stopRequested = false

const composer = new Composer(byId('composer'), composerRows(), registry, (spec) => {
  specInput.value = spec
  validate()
})

byId('legend').append(
  ...(
    [
      ['not held (evicted or skipped)', SLOT_COLOURS.gone],
      ['float32 window', SLOT_COLOURS.window],
      ['encoded, tier 0 (the codec’s precision)', SLOT_COLOURS.encoded[0]],
      ['encoded, tier 1 (demoted)', SLOT_COLOURS.encoded[1]],
      ['encoded, tier 2', SLOT_COLOURS.encoded[2]],
      ['merged (mass > 1; MiniCache: shared across layers)', SLOT_COLOURS.merged],
    ] as const
  ).map(([label, colour]) => el('span', {}, el('i', { style: `background:${colour}` }), label)),
)
const promptBox = byId<HTMLTextAreaElement>('prompt')
promptBox.value = defaultPrompt(heldOut.text)
byId('presets').append(
  ...PRESETS.map(([label, spec]) => {
    const button = el('button', { type: 'button', title: spec, 'data-spec': spec }, label)
    button.addEventListener('click', () => {
      specInput.value = spec
      applySpec()
    })
    return button
  }),
)
for (const rowId of ['mem-full', 'mem-composed']) {
  byId(rowId).append(...Array.from({ length: 7 }, () => el('td', {}, '—')))
}
byId('heldout-name').textContent =
  `next tokens of ${heldOut.name} (held out from kvtiny-7m’s training; @kv/eval’s first document)`

function device(): Device {
  return (document.querySelector<HTMLInputElement>('input[name=device]:checked')?.value ?? 'cpu') as Device
}

/** Checks the spec against the registry and the cache (and the accelerator on WebGPU); shows the verdict. */
function validate(): boolean {
  const spec = specInput.value.trim() || 'full'
  state.spec = spec
  state.device = device()
  byId('composed-label').textContent = spec
  let message: string
  let ok = false
  try {
    if (state.device === 'webgpu') {
      const plan = gpuPlan(registry.parse(spec))
      if (!plan.ok) throw new CompositionError(plan.error)
      message = `✓ WebGPU accelerator, ${plan.kind} cache${plan.kind === 'f16' ? '' : ` (groups of ${plan.groupSize})`}; the full cache runs as f16`
    } else if (loaded) {
      const { model, headScores } = loaded
      const options = registry.build(spec, {
        numLayers: model.config.numLayers,
        numKVHeads: model.config.numKVHeads,
        maxPositions: model.config.maxPositions,
        headScores,
      })
      message = `✓ ${model.createCache(options).description}`
    } else {
      registry.parse(spec)
      message = '✓ parsed (the model is loading)'
    }
    ok = true
    state.compositionError = undefined
  } catch (error) {
    message = `${error instanceof CompositionError ? 'Composition error' : 'Error'}: ${(error as Error).message}`
    state.compositionError = (error as Error).message
  }
  composition.textContent = message
  composition.className = `composition ${ok ? 'ok' : 'error'}`
  generateButton.disabled = !ok || !loaded || busy
  scoreButton.disabled = !ok || !loaded || busy
  return ok
}

specInput.addEventListener('keydown', (event) => {
  if (event.key === 'Enter') applySpec()
})
byId('apply-spec').addEventListener('click', () => applySpec())
for (const radio of document.querySelectorAll<HTMLInputElement>('input[name=device]'))
  radio.addEventListener('change', () => validate())

function applySpec(): void {
  const typed = specInput.value.trim() || 'full'
  try {
    composer.setSpec(typed)
    specInput.value = typed
    validate()
  } catch (error) {
    composition.textContent = `Error: ${(error as Error).message}`
    composition.className = 'composition error'
    state.compositionError = (error as Error).message
    generateButton.disabled = true
    scoreButton.disabled = true
  }
}

function memoryRow(rowId: string, s: Side): void {
  const stats = s.cache.stats()
  const cells: [string, number, string][] = [
    ['totalTokens', stats.totalTokens, stats.totalTokens.toLocaleString('en')],
    ['sequenceLength', stats.sequenceLength, stats.sequenceLength.toLocaleString('en')],
    ['logicalBytes', stats.logicalBytes, formatBytes(stats.logicalBytes)],
    ['physicalBytes', stats.physicalBytes, formatBytes(stats.physicalBytes)],
    ['float16Bytes', stats.float16Bytes, formatBytes(stats.float16Bytes)],
    ['ratio', stats.ratio, `${stats.ratio.toFixed(2)}×`],
  ]
  const row = byId(rowId)
  const label = row.firstElementChild!
  row.replaceChildren(label)
  for (const [name, value, text] of cells)
    row.append(el('td', { 'data-stat': name, 'data-value': String(value), title: String(value) }, text))
  const deviceBytes = s.accelerator?.deviceBytes()
  row.append(
    el('td', { 'data-stat': 'deviceBytes' }, deviceBytes === undefined ? '—' : formatBytes(deviceBytes)),
  )
}

function showRate(s: Side): void {
  const rate = tokensPerSecond(s)
  byId(`rate-${s.label}`).textContent =
    `${s.tokens.length} tokens · ${rate > 0 ? rate.toFixed(1) : '…'} tokens/s · prompt ${s.prefillMs.toFixed(0)} ms`
}

/** The end of a long prompt, so that the generated text stays in view (the whole prompt is the title). */
function promptTail(prompt: string, characters = 240): string {
  if (prompt.length <= characters) return prompt
  const cut = prompt.indexOf(' ', prompt.length - characters)
  return `…${prompt.slice(cut < 0 ? prompt.length - characters : cut)}`
}

function nextFrame(): Promise<void> {
  return new Promise((resolve) => requestAnimationFrame(() => resolve()))
}

async function runGeneration(): Promise<void> {
  if (!loaded || busy || !validate()) return
  const { model, headScores } = loaded
  const spec = state.spec
  const steps = Math.max(1, Math.min(1024, Number(byId<HTMLInputElement>('steps').value) || 64))
  const prompt = byId<HTMLTextAreaElement>('prompt').value
  busy = true
  stopRequested = false
  generateButton.disabled = true
  scoreButton.disabled = true
  stopButton.disabled = false
  runStatus.className = 'run-status'
  runStatus.textContent = 'prefilling…'
  const started = performance.now()
  const generation: NonNullable<PlaygroundState['generation']> = { spec, device: state.device, done: false }
  state.generation = generation
  let pair: SidePair | undefined
  try {
    const promptTokens = model.tokenizer!.encode(prompt).length + 1
    pair = await createSides(model, registry, spec, state.device, headScores, promptTokens + steps + 1)
    const sides = pair
    const note = byId('cache-note')
    note.hidden = sides.composed.accelerator === undefined
    if (sides.composed.accelerator) {
      note.textContent =
        `On WebGPU each cache's tokens live twice: the accelerator's own ${sides.composed.accelerator.kind} pages on the GPU ` +
        '(the GPU column; pages for every token up to the run’s length are allocated up front) and the CPU copy drawn ' +
        'here in float32, which the step falls back to if the device is lost.'
    }
    for (const s of [sides.full, sides.composed]) {
      const text = byId(`text-${s.label}`)
      text.replaceChildren(
        el('span', { class: 'prompt', title: prompt }, promptTail(prompt)),
        el('span', { class: 'generated' }),
      )
    }
    let painted = 0
    await generate(model, sides, prompt, steps, {
      onToken(s, piece) {
        if (generation.firstTokenMs === undefined) {
          generation.firstTokenMs = performance.now() - started
        }
        byId(`text-${s.label}`).lastElementChild!.append(piece)
      },
      async yieldToPage() {
        for (const s of [sides.full, sides.composed]) {
          showRate(s)
          memoryRow(`mem-${s.label}`, s)
        }
        byId('cache-empty').hidden = true
        drawCache(cacheCanvas, sides.composed.cache, model.config.numLayers, model.config.numKVHeads)
        generation.full = report(sides.full)
        generation.composed = report(sides.composed)
        runStatus.textContent = `${sides.composed.tokens.length} / ${steps} tokens · first token after ${generation.firstTokenMs?.toFixed(0)} ms`
        painted++
        if (state.pauseAt !== undefined && sides.composed.tokens.length >= state.pauseAt) {
          state.paused = true
          await new Promise<void>((resolve) => {
            resumeWaiter = resolve
          })
          state.paused = false
        } else if (painted % 4 === 0) await nextFrame()
      },
      stopped: () => stopRequested,
    })
    for (const s of [sides.full, sides.composed]) {
      showRate(s)
      memoryRow(`mem-${s.label}`, s)
    }
    drawCache(cacheCanvas, sides.composed.cache, model.config.numLayers, model.config.numKVHeads)
    generation.full = report(sides.full)
    generation.composed = report(sides.composed)
    const lost = sides.composed.cache.acceleratorLost ?? sides.full.cache.acceleratorLost
    runStatus.textContent =
      `${sides.composed.tokens.length} tokens in ${((performance.now() - started) / 1000).toFixed(2)} s · ` +
      `first token after ${generation.firstTokenMs?.toFixed(0)} ms` +
      (lost ? ` · the accelerator stopped, CPU attention from then on: ${lost}` : '')
  } catch (error) {
    generation.error = (error as Error).message
    runStatus.className = 'run-status error'
    runStatus.textContent = (error as Error).message
  } finally {
    pair?.dispose()
    generation.done = true
    busy = false
    stopButton.disabled = true
    validate()
  }
}

async function runScoring(): Promise<void> {
  if (!loaded || busy || !validate()) return
  const { model, headScores } = loaded
  const contextLength = Math.max(1, Number(byId<HTMLInputElement>('score-context').value) || 384)
  const count = Math.max(1, Number(byId<HTMLInputElement>('score-tokens').value) || 128)
  const stream = Int32Array.from([model.config.bosTokenId, ...model.tokenizer!.encode(heldOut.text)])
  const scoring: NonNullable<PlaygroundState['scoring']> = { done: false }
  state.scoring = scoring
  busy = true
  generateButton.disabled = true
  scoreButton.disabled = true
  scoreStatus.className = 'run-status'
  let pair: SidePair | undefined
  try {
    if (contextLength + count > stream.length) {
      throw new RangeError(
        `the held-out excerpt has ${stream.length} tokens; context + scored tokens must fit (${contextLength} + ${count})`,
      )
    }
    pair = await createSides(model, registry, state.spec, state.device, headScores, contextLength + count + 1)
    const started = performance.now()
    scoreStatus.textContent = 'prefilling the context…'
    const scored = await scoreHeldOut(
      model,
      pair,
      stream.subarray(0, contextLength),
      stream.subarray(contextLength, contextLength + count),
      (sofar) => {
        byId('score-empty').hidden = true
        plotScores(scoreCanvas, sofar)
        scoreStatus.textContent = `${sofar.length} / ${count} tokens scored`
      },
      nextFrame,
    )
    const summary = summarize(scored)
    scoring.summary = summary
    byId('score-summary').replaceChildren(
      el('b', { 'data-score': 'perplexityRatio' }, `perplexity ratio ${summary.perplexityRatio.toFixed(4)}`),
      el('b', { 'data-score': 'meanKl' }, `mean KL ${summary.meanKl.toFixed(5)} nats`),
      el('b', { 'data-score': 'top1' }, `top-1 agreement ${(summary.top1 * 100).toFixed(1)}%`),
      el(
        'span',
        {},
        `perplexity ${summary.perplexityFull.toFixed(2)} full → ${summary.perplexityComposed.toFixed(2)} composed, ${summary.tokens} tokens after ${contextLength} of context (${state.device === 'cpu' ? 'CPU' : 'WebGPU'})`,
      ),
    )
    scoreStatus.textContent = `scored in ${((performance.now() - started) / 1000).toFixed(2)} s`
  } catch (error) {
    scoring.error = (error as Error).message
    scoreStatus.className = 'run-status error'
    scoreStatus.textContent = (error as Error).message
  } finally {
    pair?.dispose()
    scoring.done = true
    busy = false
    validate()
  }
}

generateButton.addEventListener('click', () => void runGeneration())
stopButton.addEventListener('click', () => {
  stopRequested = true
})
scoreButton.addEventListener('click', () => void runScoring())

/** Looks for WebGPU; where it is missing, the switch is disabled and says why. */
async function probeGpu(): Promise<void> {
  const status = byId('gpu-status')
  const radio = byId<HTMLInputElement>('device-webgpu')
  const nav = navigator as Navigator & { gpu?: unknown }
  try {
    if (nav.gpu === undefined) {
      throw new Error(
        'WebGPU is missing in this browser (no navigator.gpu). Chrome/Edge 113+ ship it; elsewhere enable it (e.g. chrome://flags/#enable-unsafe-webgpu). The CPU path works everywhere.',
      )
    }
    const gpu = await import('./gpu-backend.js')
    const adapter = await gpu.describeAdapter()
    state.gpu = { available: true, message: adapter }
    status.textContent = `WebGPU adapter: ${adapter}`
    status.className = 'gpu-status'
  } catch (error) {
    const message = (error as Error).message
    state.gpu = { available: false, message }
    radio.disabled = true
    status.textContent = message.startsWith('WebGPU') ? message : `WebGPU unavailable: ${message}`
    status.className = 'gpu-status error'
  }
}

async function start(): Promise<void> {
  const modelStatus = byId('model-status')
  validate()
  void probeGpu()
  try {
    loaded = await loadPlaygroundModel()
    const { model, milliseconds, networkBytes, cachedBytes } = loaded
    state.model = { milliseconds, networkBytes, cachedBytes }
    modelStatus.textContent =
      `${model.source ?? 'kvtiny-7m'}: ${model.config.numLayers} layers, ${model.config.numKVHeads} KV heads × ${model.config.headDim}, ` +
      `loaded in ${milliseconds.toFixed(0)} ms (${networkBytes > 0 ? `${formatBytes(networkBytes)} from the server` : ''}` +
      `${networkBytes > 0 && cachedBytes > 0 ? ', ' : ''}${cachedBytes > 0 ? `${formatBytes(cachedBytes)} from the browser cache` : ''})`
    state.ready = true
    validate()
  } catch (error) {
    state.error = (error as Error).message
    modelStatus.textContent = `The model could not be loaded: ${(error as Error).message}`
    modelStatus.className = 'status error'
  }
}

void start()
