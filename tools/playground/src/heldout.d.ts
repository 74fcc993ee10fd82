/** An excerpt of `@kv/eval`'s first held-out document, put into the bundle by vite.config.ts. */
declare module 'virtual:kv-heldout' {
  export const heldOut: { readonly name: string; readonly text: string }
}
