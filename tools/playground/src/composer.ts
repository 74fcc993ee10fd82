import {
  type AnyMethodSpec,
  describeParam,
  type MethodRegistry,
  type ParamSpec,
  type SpecPart,
} from '@kv/cache'
import { el } from './dom.js'
import type { ComposerRow } from './methods.js'

/** The order parts are written in a spec: policy first, as the project's examples do. */
const SPEC_ORDER: readonly ComposerRow['id'][] = ['policy', 'codec', 'merger', 'retriever', 'exit']

interface RowState {
  readonly row: ComposerRow
  readonly select: HTMLSelectElement
  readonly params: HTMLElement
  readonly summary: HTMLElement
  inputs: Map<string, { param: ParamSpec; input: HTMLInputElement | HTMLSelectElement }>
}

/**
 * The pipeline composer: a select per slot (codec, policy, merger, retriever, exit schedule), the chosen
 * method's parameters from its spec (default as placeholder, range as min/max, `describeParam` as the
 * tooltip), and a spec line both ways: the controls write it, a typed spec sets the controls.
 */
export class Composer {
  readonly #rows: RowState[] = []
  readonly #onChange: (spec: string) => void

  constructor(
    container: HTMLElement,
    rows: readonly ComposerRow[],
    readonly registry: MethodRegistry,
    onChange: (spec: string) => void,
  ) {
    this.#onChange = onChange
    for (const row of rows) {
      const select = el('select', { id: `slot-${row.id}`, 'aria-label': row.label })
      select.append(el('option', { value: '' }, '—'))
      for (const method of row.methods) select.append(el('option', { value: method.name }, method.name))
      const summary = el('div', { class: 'method-summary' })
      const params = el('div', { class: 'params' })
      const state: RowState = { row, select, params, summary, inputs: new Map() }
      select.addEventListener('change', () => {
        this.#renderParams(state, {})
        this.#changed()
      })
      container.append(
        el('div', { class: 'slot' }, el('label', { for: select.id }, row.label), select, summary, params),
      )
      this.#rows.push(state)
    }
  }

  /** The spec the controls describe (`full` when nothing is chosen). */
  spec(): string {
    const parts: string[] = []
    for (const id of SPEC_ORDER) {
      const state = this.#rows.find((s) => s.row.id === id)
      if (!state || state.select.value === '') continue
      const values: string[] = []
      for (const [name, { param, input }] of state.inputs) {
        const value = param.type === 'boolean' ? (input as HTMLInputElement).checked : input.value.trim()
        if (param.type === 'boolean') {
          if (value !== (param.default ?? false)) values.push(`${name}=${value}`)
        } else if (value !== '' && value !== String(param.default ?? '')) values.push(`${name}=${value}`)
      }
      parts.push(values.length ? `${state.select.value}:${values.join(',')}` : state.select.value)
    }
    return parts.length ? parts.join('+') : 'full'
  }

  /** Sets the controls from a typed spec; throws the registry's parse error (unknown name, bad value). */
  setSpec(spec: string): void {
    const parts: SpecPart[] = this.registry.parse(spec)
    const byRow = new Map<string, SpecPart>()
    for (const part of parts) {
      const state = this.#rows.find((s) => s.row.methods.some((m) => m.name === part.method))
      if (!state) throw new Error(`${part.method}: no composer row holds this method`)
      if (byRow.has(state.row.id)) {
        throw new Error(
          `${byRow.get(state.row.id)!.method} and ${part.method} both fill the ${state.row.label.toLowerCase()}; choose one`,
        )
      }
      byRow.set(state.row.id, part)
    }
    for (const state of this.#rows) {
      const part = byRow.get(state.row.id)
      state.select.value = part?.method ?? ''
      this.#renderParams(state, part?.params ?? {})
    }
  }

  #method(state: RowState): AnyMethodSpec | undefined {
    return state.row.methods.find((m) => m.name === state.select.value)
  }

  #renderParams(state: RowState, values: Record<string, number | boolean | string>): void {
    state.params.replaceChildren()
    state.inputs = new Map()
    const method = this.#method(state)
    state.summary.textContent = method ? method.summary : ''
    if (!method) return
    for (const [name, param] of Object.entries(method.params) as [string, ParamSpec][]) {
      const id = `param-${method.name}-${name}`
      let input: HTMLInputElement | HTMLSelectElement
      if (param.type === 'choice') {
        input = el('select', { id })
        for (const choice of param.choices)
          input.append(el('option', { value: String(choice) }, String(choice)))
        input.value = String(values[name] ?? param.default ?? param.choices[0])
      } else if (param.type === 'boolean') {
        input = el('input', { id, type: 'checkbox' })
        input.checked = Boolean(values[name] ?? param.default ?? false)
      } else {
        input = el('input', { id, type: param.type === 'number' ? 'number' : 'text' })
        if (param.type === 'number') {
          if (param.min !== undefined) input.min = String(param.min)
          if (param.max !== undefined) input.max = String(param.max)
          input.step = param.integer ? '1' : 'any'
        }
        const fallback = param.defaultNote ?? param.default
        input.placeholder = fallback === undefined ? '' : String(fallback)
        if (values[name] !== undefined) input.value = String(values[name])
      }
      input.title = describeParam(name, param)
      input.addEventListener('change', () => this.#changed())
      state.inputs.set(name, { param, input })
      state.params.append(el('label', { class: 'param', title: input.title }, el('span', {}, name), input))
    }
  }

  #changed(): void {
    this.#onChange(this.spec())
  }
}
