/**
 * Plain data a cache and its plug-ins save their state as: numbers, strings, booleans, null, typed arrays,
 * and arrays and plain objects of these. The same object may appear in several places (blocks that share
 * rows); a serializer keeps that sharing.
 */
export type PlainState =
  | null
  | boolean
  | number
  | string
  | ArrayBufferView
  | readonly PlainState[]
  | { readonly [key: string]: PlainState }

/**
 * A plug-in whose state changes while a sequence is decoded (a codec's calibration, a policy's scores, an
 * extension's index). The cache saves that state with its own, so a failed step can be undone exactly and
 * a cache can be stored and restored. A plug-in with such state must implement both methods; a plug-in
 * without it implements neither.
 */
export interface Stateful {
  /** A snapshot of the per-sequence state; later calls on the plug-in must not change it (copy what you mutate). */
  saveState(): PlainState
  /** Puts back a snapshot made by `saveState` of this plug-in (or of one built with the same options). */
  loadState(state: PlainState): void
}
