import { packageProject } from '../../tools/vitest-preset/index.js'

// llvmpipe compiles a kernel on its first dispatch: an attention variant takes 1–4 minutes on a cold
// shader cache on a busy 2-core machine (README, Tests), and other test files share the cores in CI.
export default packageProject('@kv/kernels-webgpu', { timeoutMs: 300_000, webgpu: true })
