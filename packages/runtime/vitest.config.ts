import { packageProject } from '../../tools/vitest-preset/index.js'

export default packageProject('@kv/runtime', { webgpu: true })
