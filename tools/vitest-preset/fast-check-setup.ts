import fc from 'fast-check'

/**
 * Every property replays from the environment: FC_SEED fixes the seed, FC_NUM_RUNS the number of runs.
 * A failure prints its seed and path; rerun with FC_SEED=<seed> to replay it.
 */
const seed =
  process.env.FC_SEED === undefined ? Date.now() ^ (Math.random() * 0x100000000) : Number(process.env.FC_SEED)
const numRuns = process.env.FC_NUM_RUNS === undefined ? 100 : Number(process.env.FC_NUM_RUNS)
if (!Number.isInteger(seed)) throw new Error(`FC_SEED must be an integer, got ${process.env.FC_SEED}`)
if (!Number.isInteger(numRuns) || numRuns < 1)
  throw new Error(`FC_NUM_RUNS must be a positive integer, got ${process.env.FC_NUM_RUNS}`)
fc.configureGlobal({ seed, numRuns, verbose: 1 })
