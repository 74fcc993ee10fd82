/**
 * The plug-in contracts that @kv/runtime composes: codecs, policies, layer mergers, key retrievers and
 * exit schedules. Types only: a method package implements them without depending on the runtime.
 */
export type { CachePhase, EncodeContext, EncodedBlock, KVCodec, KVRole } from './codec.js'
export type { ExitSchedule } from './exit.js'
export type { LayerMerger, MergedRows } from './merge.js'
export type { KVPolicy, SlotMerge, SlotPlan, SlotView } from './policy.js'
export type { KeyIndex, KeyRetriever, KeySearchResult } from './retrieval.js'
export type { PlainState, Stateful } from './state.js'
