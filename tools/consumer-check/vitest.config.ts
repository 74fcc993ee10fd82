import { packageProject } from '../vitest-preset/index.js'

export default packageProject('@kv/consumer-check')
