import type { Mutant } from './mutant.js'

const QG = 'packages/quant-gear'
const EV = 'packages/evict'
const MC = 'packages/merge-minicache'
const RA = 'packages/retrieval-ann'
const EE = 'packages/early-exit'
const CA = 'packages/cache'

/**
 * The mutants: at least one per property test file of the method packages and @kv/cache, each a small,
 * realistic defect in the code that file guards. Keep `find` specific enough to occur once; the check
 * refuses a mutant that no longer applies, so a refactor that moves the code shows up here.
 */
export const MUTANTS: readonly Mutant[] = [
  // ── @kv/quant-gear ──────────────────────────────────────────────────────────────────────────────
  {
    id: 'gear-garbage-factors',
    file: `${QG}/src/gear/lowrank-term.ts`,
    find: 'return { rank: r, left, right }',
    replace: 'return { rank: r, left: left.map((x) => -x), right }',
    test: `${QG}/test/gear.test.ts`,
    defect: 'the low-rank factors have the wrong sign: garbage that adds to the error',
  },
  {
    id: 'gear-outliers-under-low-rank',
    file: `${QG}/src/gear/gear-block.ts`,
    find: `  addLowRank(block.lowRank, tokens, headDim, target)
  forEachOutlier(block.outliers, outlierLines(block), (t, c, v) => {
    target[t * headDim + c] = v
  })`,
    replace: `  forEachOutlier(block.outliers, outlierLines(block), (t, c, v) => {
    target[t * headDim + c] = v
  })
  addLowRank(block.lowRank, tokens, headDim, target)`,
    test: `${QG}/test/gear.test.ts`,
    defect: 'decode adds the low-rank term over the outliers, so they are no longer restored exactly',
  },
  {
    id: 'kivi-keys-per-token',
    file: `${QG}/src/uniform/kivi.ts`,
    find: "const axis = role === 'key' ? 'column' : 'row'",
    replace: "const axis = role === 'key' ? 'row' : 'row'",
    test: `${QG}/test/uniform.test.ts`,
    defect: 'keys quantized per token instead of per channel',
  },
  {
    id: 'mikv-unbalanced-encode',
    file: `${QG}/src/mikv/mixed-block.ts`,
    find: 'target[row * headDim + c] = balance === null ? x : x * balance[c]!',
    replace: 'target[row * headDim + c] = x',
    test: `${QG}/test/mikv.test.ts`,
    defect: 'keys stored unbalanced while decode and dot still divide by the balancer',
  },
  {
    id: 'mikv-high-tier-at-low-bits',
    file: `${QG}/src/mikv/mixed-block.ts`,
    find: 'quantizeMatrix(highRows, highCount, headDim, options.high, options.groupSize',
    replace: 'quantizeMatrix(highRows, highCount, headDim, options.low, options.groupSize',
    test: `${QG}/test/mikv.test.ts`,
    defect: "important (tier-0) tokens quantized at the low tier's bits",
  },
  {
    id: 'mikv-keeps-lightest',
    file: `${QG}/src/mikv/importance-tiers.ts`,
    find: 'order.sort((a, b) => attention[b]! - attention[a]! || a - b)',
    replace: 'order.sort((a, b) => attention[a]! - attention[b]! || a - b)',
    test: `${QG}/test/mikv.test.ts`,
    defect: 'the tier policy keeps the lightest hitters in high precision and demotes the heavy ones',
  },
  {
    id: 'kivi-spec-drops-bits',
    file: `${QG}/src/methods.ts`,
    find: 'build: (params) => ({ codec: uniform(params) }),',
    replace: 'build: (params) => ({ codec: uniform({ ...params, bits: 4 }) }),',
    test: `${QG}/test/methods.test.ts`,
    defect: 'the kivi spec ignores bits= (always 4-bit)',
  },
  // ── @kv/evict ───────────────────────────────────────────────────────────────────────────────────
  {
    id: 'h2o-keeps-lightest',
    file: `${EV}/src/h2o/h2o.ts`,
    find: 'evictLowestInRange(view.attention, from, to, budget.heavy, scratch)',
    replace: 'evictLowestInRange(view.attention.map((x) => -x), from, to, budget.heavy, scratch)',
    test: `${EV}/test/h2o.test.ts`,
    defect: 'H2O evicts the heavy hitters and keeps the least attended tokens',
  },
  {
    id: 'h2o-only-sinks',
    file: `${EV}/src/h2o/h2o.ts`,
    find: 'evictLowestInRange(view.attention, from, to, budget.heavy, scratch)',
    replace: 'evictLowestInRange(view.attention, from, to, 0, scratch)',
    test: `${EV}/test/h2o.test.ts`,
    defect: 'H2O keeps no heavy hitters: only sinks and the recent window',
  },
  {
    id: 'd2o-keeps-lightest',
    file: `${EV}/src/d2o/merge-plan.ts`,
    find: 'evictLowestInRange(view.attention, from, to, budget.heavy, scratch)',
    replace: 'evictLowestInRange(view.attention.map((x) => -x), from, to, budget.heavy, scratch)',
    test: `${EV}/test/d2o.test.ts`,
    defect: 'D2O evicts (and merges away) the heavy hitters instead of the least attended tokens',
  },
  {
    id: 'duo-drops-sinks',
    file: `${EV}/src/headwise/headwise.ts`,
    find: 'const duoBudget = { sinks, window: recent }',
    replace: 'const duoBudget = { sinks: 0, window: sinks + recent }',
    test: `${EV}/test/headwise.test.ts`,
    defect: 'DuoAttention streaming heads keep a longer window instead of the sinks (same count)',
  },
  {
    id: 'sparse-window-keeps-least-important',
    file: `${EV}/src/sparse-window/sparse-window.ts`,
    find: 'evictLowestInRange(importance, from, to, budget.topK, scratch)',
    replace: 'evictLowestInRange(Array.from(importance, (x) => -x), from, to, budget.topK, scratch)',
    test: `${EV}/test/sparse-window.test.ts`,
    defect: 'the sparse window keeps the least important tokens as its top-k',
  },
  {
    id: 'streaming-evicts-window-edge',
    file: `${EV}/src/streaming-llm/streaming-llm.ts`,
    find: 'const to = view.count - budget.window',
    replace: 'const to = view.count - budget.window + 1',
    test: `${EV}/test/streaming-llm.test.ts`,
    defect: 'StreamingLLM evicts the oldest token of its window',
  },
  {
    id: 'select-ties-newest-first',
    file: `${EV}/src/shared/select.ts`,
    find: 'return sa < sb || (sa === sb && a < b)',
    replace: 'return sa < sb || (sa === sb && a > b)',
    test: `${EV}/test/select.test.ts`,
    defect: 'ties between equal scores evict the newer slot instead of the older',
  },
  {
    id: 'retrieval-heads-picks-lowest',
    file: `${EV}/src/retrieval-heads/select-heads.ts`,
    find: 'return ids.sort((a, b) => score(b) - score(a) || a - b)',
    replace: 'return ids.sort((a, b) => score(a) - score(b) || a - b)',
    test: `${EV}/test/retrieval-heads.test.ts`,
    defect: 'the heads with the lowest retrieval scores are chosen as retrieval heads',
  },
  {
    id: 'h2o-spec-drops-sinks',
    file: `${EV}/src/methods.ts`,
    find: 'build: (params) => ({ policy: h2o(params) }),',
    replace: 'build: (params) => ({ policy: h2o({ ...params, sinks: 0 }) }),',
    test: `${EV}/test/methods.test.ts`,
    defect: 'the h2o spec ignores sinks=',
  },
  // ── @kv/merge-minicache ─────────────────────────────────────────────────────────────────────────
  {
    id: 'slerp-wrong-weight',
    file: `${MC}/src/slerp/slerp-kernel.ts`,
    find: 'const wa = Math.sin((1 - t) * angle) / sinAngle',
    replace: 'const wa = Math.sin(t * angle) / sinAngle',
    test: `${MC}/test/slerp.test.ts`,
    defect: 'SLERP weighs the first state by sin(tθ) instead of sin((1 − t)θ)',
  },
  {
    id: 'similarity-wrong-norm',
    file: `${MC}/src/similarity/layer-similarity.ts`,
    find: 'normB += y * y',
    replace: 'normB += x * x',
    test: `${MC}/test/layer-similarity.test.ts`,
    defect: "the cosine divides by the first state's norm twice",
  },
  {
    id: 'retention-keeps-closest',
    file: `${MC}/src/minicache/retention.ts`,
    find: 'const sorted = Float64Array.from(distances).sort()',
    replace: 'const sorted = Float64Array.from(distances).sort().reverse()',
    test: `${MC}/test/merge-rows.test.ts`,
    defect: 'the retained rows are not the most distinct between the two layers',
  },
  {
    id: 'minicache-pairs-skip',
    file: `${MC}/src/minicache/minicache.ts`,
    find: 'for (let a = first; a + 1 < numLayers; a += 2)',
    replace: 'for (let a = first; a + 1 < numLayers; a += 3)',
    test: `${MC}/test/minicache.test.ts`,
    defect: 'layer pairs leave a layer out between pairs',
  },
  {
    id: 'minicache-spec-drops-t',
    file: `${MC}/src/methods.ts`,
    find: 'build: (params) => ({ extensions: [minicache(params)] }),',
    replace: 'build: (params) => ({ extensions: [minicache({ ...params, t: 0.6 })] }),',
    test: `${MC}/test/methods.test.ts`,
    defect: 'the minicache spec ignores t=',
  },
  // ── @kv/retrieval-ann ───────────────────────────────────────────────────────────────────────────
  {
    id: 'partials-wrong-rescale',
    file: `${RA}/src/attention/partial-attention.ts`,
    find: 'const wb = b.sum * Math.exp(b.max - max)',
    replace: 'const wb = b.sum',
    test: `${RA}/test/partial-attention.test.ts`,
    defect: 'merging two partial softmaxes forgets to rescale the second to the common maximum',
  },
  {
    id: 'ivf-probes-worst-cells',
    file: `${RA}/src/ivf/query-aware-ivf.ts`,
    find: 'cellHeap.push(dotAt(query, 0, this.centroids, c * dim, dim), c)',
    replace: 'cellHeap.push(-dotAt(query, 0, this.centroids, c * dim, dim), c)',
    test: `${RA}/test/query-aware-ivf.test.ts`,
    defect: 'the IVF probes the cells least aligned with the query',
  },
  {
    id: 'retrieval-window-short',
    file: `${RA}/src/attention/retrieval-attention.ts`,
    find: 'const windowStart = Math.max(sinkEnd, count - window)',
    replace: 'const windowStart = Math.max(sinkEnd, count - window + 1)',
    test: `${RA}/test/retrieval-attention.test.ts`,
    defect: 'the exact window attends one token fewer than asked',
  },
  {
    id: 'retrieval-spec-drops-topk',
    file: `${RA}/src/methods.ts`,
    find: 'build: (params) => ({ extensions: [retrievalAttention(params)] }),',
    replace: 'build: (params) => ({ extensions: [retrievalAttention({ ...params, topK: 100 })] }),',
    test: `${RA}/test/methods.test.ts`,
    defect: 'the retrieval spec ignores topK=',
  },
  // ── @kv/early-exit ──────────────────────────────────────────────────────────────────────────────
  {
    id: 'skipdecode-no-floor-past-max-length',
    file: `${EE}/src/skip-decode/skip-decode.ts`,
    find: 'position < maxLength ? counts[position]! : minLayers',
    replace: 'position < maxLength ? counts[position]! : plan.maxLayers',
    test: `${EE}/test/skip-decode.test.ts`,
    defect: 'past maxLength every layer runs again instead of minLayers (counts rise: stale cache reads)',
  },
  {
    id: 'uls-skips-first-layer',
    file: `${EE}/src/layer-skipping/uniform-skip-set.ts`,
    find: 'layers[i] = 1 + Math.floor(((2 * i + 1) * middle) / (2 * skip))',
    replace: 'layers[i] = Math.floor(((2 * i + 1) * middle) / (2 * skip))',
    test: `${EE}/test/unified-layer-skipping.test.ts`,
    defect: 'the skipped layers are shifted down by one (the first layer may be skipped)',
  },
  {
    id: 'skipdecode-spec-drops-minlayers',
    file: `${EE}/src/methods.ts`,
    find: '      ...options,\n      speedup: required(',
    replace: '      speedup: required(',
    test: `${EE}/test/methods.test.ts`,
    defect: 'the skipdecode spec ignores minLayers= and maxLayers=',
  },
  // ── @kv/cache ───────────────────────────────────────────────────────────────────────────────────
  {
    id: 'attention-unscaled',
    file: `${CA}/src/attention.ts`,
    find: 'const scale = 1 / Math.sqrt(headDim)',
    replace: 'const scale = 1 / headDim',
    test: `${CA}/test/attention.test.ts`,
    defect: 'attention logits scaled by 1/d instead of 1/√d',
  },
  {
    id: 'merge-loses-mass',
    file: `${CA}/src/apply-plan.ts`,
    find: 'mass[into] = total',
    replace: 'mass[into] = mass[into]!',
    test: `${CA}/test/eviction.test.ts`,
    defect: 'a merge does not add the absorbed mass to its target slot',
  },
  {
    id: 'spec-accepts-proto',
    file: `${CA}/src/methods/parse-spec.ts`,
    find: 'if (RESERVED_KEYS.has(param)) {',
    replace: 'if (RESERVED_KEYS.has(param) && false) {',
    test: `${CA}/test/spec-options.test.ts`,
    defect: 'the spec parser no longer refuses __proto__ / constructor / prototype by name',
  },
]
