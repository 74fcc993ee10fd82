import { register } from 'node:module'

register('./resolve-dist.mjs', import.meta.url)
