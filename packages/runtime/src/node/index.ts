/**
 * @kv/runtime/node: checkpoints from the file system. Everything here reads files (`node:fs`), so it sits
 * apart from the platform-neutral root entry; the model it returns is the root's `Model`.
 */

export { EMBEDDED_MODEL_PACKAGE, embeddedModelPath } from './embedded-model.js'
export { loadModel } from './load-model.js'
export { readCheckpointTensors } from './read-checkpoint.js'
export { readSafetensorsFile } from './read-safetensors-file.js'
export { loadTokenizer } from './read-tokenizer.js'
