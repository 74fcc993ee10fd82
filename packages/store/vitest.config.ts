import { packageProject } from '../../tools/vitest-preset/index.js'

export default packageProject('@kv/store', { timeoutMs: 60_000 })
