;; Float32 matrix kernels for the decoder, in WebAssembly SIMD (f32x4).
;;
;; Layout contract (kept by prepared.ts): a prepared weight has `rows` rounded up to a multiple of 4 and
;; each row's `cols` rounded up to a `stride` that is a multiple of 8, padding zero (in the weight and in
;; every x row), so the kernels never handle a column or row remainder. Each block of 4 rows is stored
;; interleaved by groups of 4 columns: [r0 c0..3 | r1 c0..3 | r2 c0..3 | r3 c0..3 | r0 c4..7 | ...], so
;; element (r, c) sits at float (r >> 2)·4·stride + (c >> 2)·16 + (r & 3)·4 + (c & 3). Both kernels work
;; on 4 rows at a time and then read the weight as one sequential stream: against 4 separate row streams
;; this made the DRAM-bound decode step (29 MiB of weights) ~4× faster, and cache-resident calls ~10%.
;; x/X and out are plain row-major. Pointers are byte offsets into the one imported memory; sizes are
;; in floats.
;;
;; Sums are f32 (mul then add: wasm SIMD has no fused multiply-add outside relaxed-simd). Each output is
;; lane-wise running sums (eight over stride/8 terms in $gemv, four over stride/4 in $matmulTransB), then
;; a pairwise reduction of the lanes.
(module
  (import "env" "memory" (memory 1))

  ;; [Σa, Σb, Σc, Σd]: the four horizontal sums in one vector, by two rounds of pair-and-add shuffles.
  (func $hsum4 (param $a v128) (param $b v128) (param $c v128) (param $d v128) (result v128)
    (local $ab v128) (local $cd v128)
    ;; [a0+a2, a1+a3, b0+b2, b1+b3]
    (local.set $ab (f32x4.add
      (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $a) (local.get $b))
      (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $a) (local.get $b))))
    (local.set $cd (f32x4.add
      (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $c) (local.get $d))
      (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $c) (local.get $d))))
    (f32x4.add
      (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $ab) (local.get $cd))
      (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $ab) (local.get $cd))))

  ;; out[r] = Σ_c W[r,c]·x[c] for r < rows (a multiple of 4): one 4-row block per pass, so each load of x
  ;; feeds four multiplies; two f32x4 accumulators per row (8 columns, 128 bytes of W per step) hide the
  ;; add latency.
  (func $gemv (export "gemv")
    (param $w i32) (param $x i32) (param $out i32) (param $rows i32) (param $stride i32)
    (local $outEnd i32) (local $p i32) (local $px i32) (local $pxEnd i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $b0 v128) (local $b1 v128) (local $b2 v128) (local $b3 v128)
    (local $xa v128) (local $xb v128)
    (if (i32.eqz (local.get $rows)) (then (return)))
    (local.set $outEnd (i32.add (local.get $out) (i32.shl (local.get $rows) (i32.const 2))))
    (local.set $pxEnd (i32.add (local.get $x) (i32.shl (local.get $stride) (i32.const 2))))
    (local.set $p (local.get $w))
    (loop $rowBlock
      (local.set $px (local.get $x))
      (local.set $a0 (v128.const i64x2 0 0)) (local.set $a1 (v128.const i64x2 0 0))
      (local.set $a2 (v128.const i64x2 0 0)) (local.set $a3 (v128.const i64x2 0 0))
      (local.set $b0 (v128.const i64x2 0 0)) (local.set $b1 (v128.const i64x2 0 0))
      (local.set $b2 (v128.const i64x2 0 0)) (local.set $b3 (v128.const i64x2 0 0))
      (loop $cols
        (local.set $xa (v128.load (local.get $px)))
        (local.set $xb (v128.load offset=16 (local.get $px)))
        (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (v128.load (local.get $p)) (local.get $xa))))
        (local.set $a1 (f32x4.add (local.get $a1)
          (f32x4.mul (v128.load offset=16 (local.get $p)) (local.get $xa))))
        (local.set $a2 (f32x4.add (local.get $a2)
          (f32x4.mul (v128.load offset=32 (local.get $p)) (local.get $xa))))
        (local.set $a3 (f32x4.add (local.get $a3)
          (f32x4.mul (v128.load offset=48 (local.get $p)) (local.get $xa))))
        (local.set $b0 (f32x4.add (local.get $b0)
          (f32x4.mul (v128.load offset=64 (local.get $p)) (local.get $xb))))
        (local.set $b1 (f32x4.add (local.get $b1)
          (f32x4.mul (v128.load offset=80 (local.get $p)) (local.get $xb))))
        (local.set $b2 (f32x4.add (local.get $b2)
          (f32x4.mul (v128.load offset=96 (local.get $p)) (local.get $xb))))
        (local.set $b3 (f32x4.add (local.get $b3)
          (f32x4.mul (v128.load offset=112 (local.get $p)) (local.get $xb))))
        (local.set $p (i32.add (local.get $p) (i32.const 128)))
        (local.set $px (i32.add (local.get $px) (i32.const 32)))
        (br_if $cols (i32.lt_u (local.get $px) (local.get $pxEnd))))
      (v128.store (local.get $out) (call $hsum4
        (f32x4.add (local.get $a0) (local.get $b0)) (f32x4.add (local.get $a1) (local.get $b1))
        (f32x4.add (local.get $a2) (local.get $b2)) (f32x4.add (local.get $a3) (local.get $b3))))
      (local.set $out (i32.add (local.get $out) (i32.const 16)))
      (br_if $rowBlock (i32.lt_u (local.get $out) (local.get $outEnd)))))

  ;; out[t, r] = Σ_c X[t,c]·W[r,c], out [tokens, rows] (row stride `rows`), X [tokens, stride].
  ;; W is walked in panels of `panel` rows (a multiple of 4, sized by the caller to stay in L2) and every
  ;; token passes over a panel before the next one. Tiles of 2 tokens × 4 rows: 8 accumulators, each W load
  ;; feeds two multiplies and each X load four, and 4 + 1 loaded vectors beside them fit V8's 15 allocatable
  ;; xmm registers without spills (4 × 4 tiles spill and run ~20% slower; so does unrolling over columns).
  ;; An odd last token goes through $gemv.
  (func $matmulTransB (export "matmulTransB")
    (param $w i32) (param $x i32) (param $out i32) (param $rows i32) (param $stride i32)
    (param $tokens i32) (param $panel i32)
    (local $rowBytes i32) (local $outRowBytes i32) (local $r i32) (local $rEnd i32) (local $t i32)
    (local $pairedTokens i32) (local $rr i32) (local $o i32)
    (local $q0 i32) (local $q0End i32) (local $p0 i32) (local $p1 i32)
    (local $w0 v128) (local $w1 v128) (local $w2 v128) (local $w3 v128) (local $vx v128)
    (local $c00 v128) (local $c01 v128) (local $c02 v128) (local $c03 v128)
    (local $c10 v128) (local $c11 v128) (local $c12 v128) (local $c13 v128)
    (if (i32.or (i32.eqz (local.get $rows)) (i32.eqz (local.get $tokens))) (then (return)))
    (local.set $rowBytes (i32.shl (local.get $stride) (i32.const 2)))
    (local.set $outRowBytes (i32.shl (local.get $rows) (i32.const 2)))
    (local.set $pairedTokens (i32.and (local.get $tokens) (i32.const -2)))
    (local.set $r (i32.const 0))
    (loop $panels
      (local.set $rEnd (i32.add (local.get $r) (local.get $panel)))
      (if (i32.gt_u (local.get $rEnd) (local.get $rows)) (then (local.set $rEnd (local.get $rows))))
      (local.set $t (i32.const 0))
      (block $pairsDone
        (br_if $pairsDone (i32.eqz (local.get $pairedTokens)))
        (loop $tokenPair
          (local.set $rr (local.get $r))
          (loop $rowQuad
            (local.set $q0 (i32.add (local.get $w) (i32.mul (local.get $rr) (local.get $rowBytes))))
            (local.set $q0End (i32.add (local.get $q0) (i32.shl (local.get $rowBytes) (i32.const 2))))
            (local.set $p0 (i32.add (local.get $x) (i32.mul (local.get $t) (local.get $rowBytes))))
            (local.set $p1 (i32.add (local.get $p0) (local.get $rowBytes)))
            (local.set $c00 (v128.const i64x2 0 0)) (local.set $c01 (v128.const i64x2 0 0))
            (local.set $c02 (v128.const i64x2 0 0)) (local.set $c03 (v128.const i64x2 0 0))
            (local.set $c10 (v128.const i64x2 0 0)) (local.set $c11 (v128.const i64x2 0 0))
            (local.set $c12 (v128.const i64x2 0 0)) (local.set $c13 (v128.const i64x2 0 0))
            (loop $cols
              (local.set $w0 (v128.load (local.get $q0)))
              (local.set $w1 (v128.load offset=16 (local.get $q0)))
              (local.set $w2 (v128.load offset=32 (local.get $q0)))
              (local.set $w3 (v128.load offset=48 (local.get $q0)))
              (local.set $vx (v128.load (local.get $p0)))
              (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $vx) (local.get $w0))))
              (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $vx) (local.get $w1))))
              (local.set $c02 (f32x4.add (local.get $c02) (f32x4.mul (local.get $vx) (local.get $w2))))
              (local.set $c03 (f32x4.add (local.get $c03) (f32x4.mul (local.get $vx) (local.get $w3))))
              (local.set $vx (v128.load (local.get $p1)))
              (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $vx) (local.get $w0))))
              (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $vx) (local.get $w1))))
              (local.set $c12 (f32x4.add (local.get $c12) (f32x4.mul (local.get $vx) (local.get $w2))))
              (local.set $c13 (f32x4.add (local.get $c13) (f32x4.mul (local.get $vx) (local.get $w3))))
              (local.set $q0 (i32.add (local.get $q0) (i32.const 64)))
              (local.set $p0 (i32.add (local.get $p0) (i32.const 16)))
              (local.set $p1 (i32.add (local.get $p1) (i32.const 16)))
              (br_if $cols (i32.lt_u (local.get $q0) (local.get $q0End))))
            ;; out[t, rr..rr+3] and out[t+1, rr..rr+3], one store each.
            (local.set $o (i32.add (i32.add (local.get $out) (i32.shl (local.get $rr) (i32.const 2)))
              (i32.mul (local.get $t) (local.get $outRowBytes))))
            (v128.store (local.get $o)
              (call $hsum4 (local.get $c00) (local.get $c01) (local.get $c02) (local.get $c03)))
            (v128.store (i32.add (local.get $o) (local.get $outRowBytes))
              (call $hsum4 (local.get $c10) (local.get $c11) (local.get $c12) (local.get $c13)))
            (local.set $rr (i32.add (local.get $rr) (i32.const 4)))
            (br_if $rowQuad (i32.lt_u (local.get $rr) (local.get $rEnd))))
          (local.set $t (i32.add (local.get $t) (i32.const 2)))
          (br_if $tokenPair (i32.lt_u (local.get $t) (local.get $pairedTokens)))))
      (if (i32.lt_u (local.get $t) (local.get $tokens))
        (then
          (call $gemv
            (i32.add (local.get $w) (i32.mul (local.get $r) (local.get $rowBytes)))
            (i32.add (local.get $x) (i32.mul (local.get $t) (local.get $rowBytes)))
            (i32.add (i32.add (local.get $out) (i32.shl (local.get $r) (i32.const 2)))
              (i32.mul (local.get $t) (local.get $outRowBytes)))
            (i32.sub (local.get $rEnd) (local.get $r))
            (local.get $stride))))
      (local.set $r (local.get $rEnd))
      (br_if $panels (i32.lt_u (local.get $r) (local.get $rows)))))
)
