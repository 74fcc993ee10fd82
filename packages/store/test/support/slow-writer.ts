// A writer that is killed mid-write by directory-store-crash.test.ts: it stores chunks under `victim`
// slowly and says so on stdout after each chunk.
import { DirectoryStore } from '../../src/node/index.js'

const directory = process.argv[2] as string
const store = new DirectoryStore(directory)

async function* slowChunks() {
  for (let i = 0; ; i++) {
    yield new Uint8Array(64 * 1024).fill(i & 0xff)
    process.stdout.write(`chunk ${i}\n`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

await store.put('victim', slowChunks())
