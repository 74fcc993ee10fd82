import { packageProject } from '../vitest-preset/index.js'

export default packageProject('@kv/playground', { timeoutMs: 120_000 })
