import { packageProject } from '../../tools/vitest-preset/index.js'

// llvmpipe compiles a kernel on its first dispatch: the int8 attention variants take 5–80 s each on a
// cold shader cache, and the other kernels' tests share the 2 cores with them in CI.
export default packageProject('@kv/kernels-webgpu', { timeoutMs: 300_000 })
