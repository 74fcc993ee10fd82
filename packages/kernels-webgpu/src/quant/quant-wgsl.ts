import type { QuantAxis } from '@kv/tensor'

/** Compile-time constants of the quantization kernels. */
export interface QuantConstants {
  readonly bits: number
  readonly groupSize: number
  readonly axis: QuantAxis
  readonly workgroupSize: number
}

const EXACT_HELPERS = /* wgsl */ `
// An integer round trip through a zero the compiler cannot see forces the float32 rounding of x and stops
// algebraic rewrites that hold in real numbers but not in floats (Mesa folds (a + b) − a to b in ops not
// marked exact, and WGSL cannot mark them; multiplying by a uniform 1.0 was seen through).
fn opaque(x: f32) -> f32 { return bitcast<f32>(bitcast<u32>(x) ^ P.zero); }
fn twoSum(x: f32, y: f32) -> vec2<f32> {
  let a = opaque(x); let b = opaque(y);
  let s = opaque(a + b); let bb = opaque(s - a);
  return vec2<f32>(s, opaque(a - opaque(s - bb)) + opaque(b - bb));
}
// x = hi + lo with at most 12 significant bits each, so that hi·n and lo·n are exact for n < 2^12:
// products stay exact whether or not the compiler fuses them (WGSL fma may be unfused, e.g. llvmpipe).
fn split12(x: f32) -> vec2<f32> {
  let hi = opaque(bitcast<f32>(bitcast<u32>(x) & 0xFFFFF000u));
  return vec2<f32>(hi, x - hi);
}
`

const PARAMS = /* wgsl */ `
struct Params { rows: u32, cols: u32, groups: u32, words: u32, zero: u32 }
@group(0) @binding(0) var<uniform> P: Params;
`

/** WGSL mapping a group index to its first element, its stride and its length; shared by all passes. */
function groupWgsl(c: QuantConstants): string {
  const G = c.groupSize
  return c.axis === 'row'
    ? /* wgsl */ `
const GROUP: u32 = ${G}u;
fn groupOf(i: u32) -> u32 {
  let r = i / P.cols; let col = i % P.cols;
  return r * ((P.cols + GROUP - 1u) / GROUP) + col / GROUP;
}
// first element, stride, length
fn groupSpan(g: u32) -> vec3<u32> {
  let gpr = (P.cols + GROUP - 1u) / GROUP;
  let r = g / gpr; let c0 = (g % gpr) * GROUP;
  return vec3<u32>(r * P.cols + c0, 1u, min(GROUP, P.cols - c0));
}`
    : /* wgsl */ `
const GROUP: u32 = ${G}u;
fn groupOf(i: u32) -> u32 { return (i / P.cols / GROUP) * P.cols + i % P.cols; }
fn groupSpan(g: u32) -> vec3<u32> {
  let gr = g / P.cols; let c = g % P.cols; let r0 = gr * GROUP;
  return vec3<u32>(r0 * P.cols + c, P.cols, min(GROUP, P.rows - r0));
}`
}

/**
 * WGSL of the first quantization pass: one invocation per group finds min and max (by order keys, as the
 * CPU) and the float32 scale, the smallest float32 `s` with `s · (2^bits − 1) ≥ max − min` (the CPU's
 * rounded-up scale), found from an approximate quotient by exact residual tests, because WGSL division is only accurate to 2.5 ulp while the CPU divides in
 * float64 and rounds to float32.
 *
 * @example
 * device.createShaderModule({ code: quantScalesWgsl({ bits: 4, groupSize: 32, axis: 'row', workgroupSize: 64 }) })
 */
export function quantScalesWgsl(c: QuantConstants): string {
  return /* wgsl */ `${PARAMS}
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read_write> S: array<f32>;
@group(0) @binding(3) var<storage, read_write> M: array<f32>;
${groupWgsl(c)}
${EXACT_HELPERS}
const MAXC: f32 = ${(1 << c.bits) - 1}.0;

fn nextUp(x: f32) -> f32 { return bitcast<f32>(bitcast<u32>(x) + 1u); }
fn nextDown(x: f32) -> f32 { return select(0.0, bitcast<f32>(bitcast<u32>(x) - 1u), x > 0.0); }
// order key of a float (as the CPU's): −0 sorts below +0, so a group holding both has min −0, max +0
fn key(x: f32) -> i32 { let b = bitcast<i32>(x); return b ^ ((b >> 31u) & 0x7fffffff); }
fn unkey(k: i32) -> f32 { return bitcast<f32>(k ^ ((k >> 31u) & 0x7fffffff)); }
// true when q·MAXC < d (d = d.x + d.y exact), every product exact
fn below(q: f32, d: vec2<f32>) -> bool {
  let qs = split12(q);
  return opaque(opaque(d.x - qs.x * MAXC) - qs.y * MAXC) + d.y > 0.0;
}

@compute @workgroup_size(${c.workgroupSize})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
  let g = gid.y * nw.x * ${c.workgroupSize}u + gid.x;
  if (g >= P.groups) { return; }
  let span = groupSpan(g);
  var lo = key(X[span.x]); var hi = lo;
  for (var k = 1u; k < span.z; k++) {
    let x = key(X[span.x + k * span.y]);
    lo = min(lo, x); hi = max(hi, x);
  }
  let mn = unkey(lo);
  // the CPU's scale: the smallest float32 q with q·MAXC ≥ max − min (so no code needs clamping)
  let d = twoSum(unkey(hi), -mn);
  var q = d.x / MAXC;
  if (d.x > 0.0) {
    for (var it = 0; it < 4 && below(q, d); it++) { q = nextUp(q); }
    for (var it = 0; it < 4 && !below(nextDown(q), d); it++) { q = nextDown(q); }
  } else { q = 0.0; }
  S[g] = q;
  M[g] = mn;
}
`
}

/**
 * WGSL of the second pass: one invocation per packed word quantizes its `floor(32 / bits)` elements,
 * `code = floor((x − min) / scale + 0.5)` decided exactly (TwoSum and split products), clamped to
 * `2^bits − 1`, packed LSB first in row-major element order.
 *
 * @example
 * quantCodesWgsl({ bits: 2, groupSize: 64, axis: 'column', workgroupSize: 64 })
 */
export function quantCodesWgsl(c: QuantConstants): string {
  const perWord = Math.floor(32 / c.bits)
  return /* wgsl */ `${PARAMS}
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read> S: array<f32>;
@group(0) @binding(3) var<storage, read> M: array<f32>;
@group(0) @binding(4) var<storage, read_write> C: array<u32>;
${groupWgsl(c)}
${EXACT_HELPERS}
const BITS: u32 = ${c.bits}u;
const PER_WORD: u32 = ${perWord}u;
const MAXC: f32 = ${(1 << c.bits) - 1}.0;

// true when t < (k + ½)·scale, decided on 2t against (2k + 1)·(hi + lo), every product exact
fn belowBoundary(t: vec2<f32>, k: f32, s: vec2<f32>) -> bool {
  let n = 2.0 * k + 1.0;
  return opaque(opaque(2.0 * t.x - n * s.x) - n * s.y) + 2.0 * t.y < 0.0;
}

@compute @workgroup_size(${c.workgroupSize})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
  let w = gid.y * nw.x * ${c.workgroupSize}u + gid.x;
  if (w >= P.words) { return; }
  let total = P.rows * P.cols;
  var word = 0u;
  for (var j = 0u; j < PER_WORD; j++) {
    let i = w * PER_WORD + j;
    if (i >= total) { break; }
    let g = groupOf(i);
    let scale = S[g]; let lo = M[g];
    var k = 0.0;
    if (scale > 0.0) {
      let t = twoSum(X[i], -lo);
      let s = split12(scale);
      k = clamp(floor(t.x * (1.0 / scale) + 0.5), 0.0, MAXC + 1.0);
      if (k > 0.0 && belowBoundary(t, k - 1.0, s)) { k -= 1.0; }
      if (!belowBoundary(t, k, s)) { k += 1.0; }
      k = min(k, MAXC);
    }
    word |= u32(k) << (j * BITS);
  }
  C[w] = word;
}
`
}

/**
 * WGSL of dequantization: one invocation per element, `min + scale · code` with exact partial products and
 * a TwoSum, so it rounds once like the CPU's float64 sum rounded to float32.
 *
 * @example
 * dequantWgsl({ bits: 4, groupSize: 32, axis: 'row', workgroupSize: 64 })
 */
export function dequantWgsl(c: QuantConstants): string {
  const perWord = Math.floor(32 / c.bits)
  return /* wgsl */ `${PARAMS}
@group(0) @binding(1) var<storage, read> C: array<u32>;
@group(0) @binding(2) var<storage, read> S: array<f32>;
@group(0) @binding(3) var<storage, read> M: array<f32>;
@group(0) @binding(4) var<storage, read_write> Y: array<f32>;
${groupWgsl(c)}
${EXACT_HELPERS}
const BITS: u32 = ${c.bits}u;
const PER_WORD: u32 = ${perWord}u;
const MASK: u32 = ${(1 << c.bits) - 1}u;

@compute @workgroup_size(${c.workgroupSize})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
  let i = gid.y * nw.x * ${c.workgroupSize}u + gid.x;
  if (i >= P.rows * P.cols) { return; }
  let code = (C[i / PER_WORD] >> ((i % PER_WORD) * BITS)) & MASK;
  let g = groupOf(i);
  let s = split12(S[g]); let n = f32(code);
  // min + code·scale rounded once, as the CPU's float64 sum rounded to float32 (products exact)
  let a = twoSum(M[g], n * s.x);
  Y[i] = a.x + opaque(a.y + opaque(n * s.y));
}
`
}
