/**
 * Dawn's Node.js binding (the `webgpu` package) waits for GPU work (a buffer map, a finished submit) by
 * calling `setImmediate` from the global object again and again until the work is done: a busy loop on the
 * JavaScript thread. On CI's software adapter (llvmpipe) a kernel's first dispatch compiles for 10–100 s on
 * another thread, and the busy loop took a second core the whole time (`perf`: the main thread spent as
 * many samples in node, libc and dawn.node as llvmpipe's thread spent in LLVM). On 2 cores with two test
 * files at once, the compilers got half the machine.
 *
 * This setup file, for the test projects that use WebGPU in Node.js, hands native callbacks given to the
 * global `setImmediate` (Dawn's are the only native ones) to `setTimeout(…, 1)` instead: Dawn still polls,
 * every millisecond rather than continuously. Nothing else changes; JavaScript callbacks keep `setImmediate`.
 */
const immediate = globalThis.setImmediate
const isNative = (fn: unknown) =>
  typeof fn === 'function' && /\{\s*\[native code\]\s*\}$/.test(Function.prototype.toString.call(fn))

globalThis.setImmediate = Object.assign(
  (callback: (...args: unknown[]) => void, ...args: unknown[]) =>
    isNative(callback)
      ? (setTimeout(callback, 1, ...args) as unknown as NodeJS.Immediate)
      : immediate(callback, ...args),
  { __promisify__: immediate.__promisify__ },
) as typeof setImmediate
