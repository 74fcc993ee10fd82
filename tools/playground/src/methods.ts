import { type AnyMethodSpec, type CacheSlot, cacheMethods, MethodRegistry } from '@kv/cache'
import { exitMethods } from '@kv/early-exit'
import { evictMethods } from '@kv/evict'
import { mergeMethods } from '@kv/merge-minicache'
import { quantMethods } from '@kv/quant-gear'
import { retrievalMethods } from '@kv/retrieval-ann'

/** Every @kv method package's specs, in the order `@kv/eval`'s `KV_METHODS` lists them. */
export const PLAYGROUND_METHODS: readonly AnyMethodSpec[] = [
  ...cacheMethods,
  ...quantMethods,
  ...evictMethods,
  ...mergeMethods,
  ...retrievalMethods,
  ...exitMethods,
]

/** One row of the composer: a cache slot and the methods that fill it. */
export interface ComposerRow {
  readonly id: 'codec' | 'policy' | 'merger' | 'retriever' | 'exit'
  readonly label: string
  readonly methods: readonly AnyMethodSpec[]
}

/** Which package an extension method comes from decides its row: merger or retriever. */
function extensionRow(spec: AnyMethodSpec): 'merger' | 'retriever' {
  return (retrievalMethods as readonly AnyMethodSpec[]).includes(spec) ? 'retriever' : 'merger'
}

/**
 * The composer's rows from the method specs: each method goes to the row of the first slot it provides
 * (MiKV provides a codec and a policy: it sits in the codec row and fills both).
 */
export function composerRows(methods: readonly AnyMethodSpec[] = PLAYGROUND_METHODS): ComposerRow[] {
  const rows: Record<ComposerRow['id'], AnyMethodSpec[]> = {
    codec: [],
    policy: [],
    merger: [],
    retriever: [],
    exit: [],
  }
  for (const spec of methods) {
    const slot: CacheSlot | undefined = spec.provides[0]
    if (slot === 'extensions') rows[extensionRow(spec)].push(spec)
    else if (slot !== undefined) rows[slot].push(spec)
  }
  return [
    { id: 'codec', label: 'Codec', methods: rows.codec },
    { id: 'policy', label: 'Policy', methods: rows.policy },
    { id: 'merger', label: 'Merger', methods: rows.merger },
    { id: 'retriever', label: 'Retriever', methods: rows.retriever },
    { id: 'exit', label: 'Exit schedule', methods: rows.exit },
  ]
}

/** The registry pipeline specs are built from in the page. */
export function playgroundRegistry(): MethodRegistry {
  return new MethodRegistry(PLAYGROUND_METHODS)
}
