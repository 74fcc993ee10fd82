/** The environment variable naming the folder where the run's notices are marked (set by `notices.js`). */
export declare const NOTICES_ENV: string

/**
 * Prints `message` (console.warn) once per test run: a second test file with the same message prints
 * nothing. Outside a run with the notices folder (`notices.js` as vitest's globalSetup) it always prints.
 *
 * @example
 * noteSkip('no WebGPU adapter: the tests that need one are skipped')
 */
export declare function noteSkip(message: string): void

/**
 * `available`, or: with `requireEnv` set to 1 (CI), an error; else false, with one notice for the run
 * naming `what` is missing and the `fix`.
 *
 * @example
 * const haveRedis = requireOrSkip(hasRedisServer(), 'redis-server is not installed', 'KV_REQUIRE_REDIS', 'apt-get install -y redis-server')
 */
export declare function requireOrSkip(
  available: boolean,
  what: string,
  requireEnv: string,
  fix: string,
): boolean

/**
 * No WebGPU adapter for the GPU tests: with `KV_REQUIRE_GPU=1` (CI) an error, else one notice for the run
 * (how to get a software adapter). The WebGPU test files of every package call it.
 *
 * @example
 * try { ctx = await requestDevice() } catch (error) { if (error instanceof KvGpuUnavailableError) skipWithoutAdapter(error.message) }
 */
export declare function skipWithoutAdapter(reason: string): void
