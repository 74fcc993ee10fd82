#!/usr/bin/env node
import { failureMessage, main } from './program.js'

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(failureMessage(error, process.argv.slice(2)))
  process.exitCode = 1
})
