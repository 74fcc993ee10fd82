;; Attention over full-precision rows (the runtime's recent window): scores q·k for every row, and
;; weighted sums of value rows. Pointers are byte offsets into the module's own memory; headDim is a
;; multiple of 8 (the caller falls back to JS otherwise).
(module
  (memory (export "memory") 1)

  ;; out[t] = Σ_d q[d]·rows[t, d] for t < count: f32x4 lanes, two independent chains.
  (func (export "dotRows")
    (param $rows i32) (param $count i32) (param $headDim i32) (param $q i32) (param $out i32)
    (local $t i32) (local $p i32) (local $pq i32) (local $end i32) (local $a v128) (local $b v128)
    (local.set $p (local.get $rows))
    (block $done
      (loop $row
        (br_if $done (i32.ge_u (local.get $t) (local.get $count)))
        (local.set $a (v128.const i64x2 0 0))
        (local.set $b (v128.const i64x2 0 0))
        (local.set $pq (local.get $q))
        (local.set $end (i32.add (local.get $p) (i32.shl (local.get $headDim) (i32.const 2))))
        (loop $col
          (local.set $a (f32x4.add (local.get $a) (f32x4.mul (v128.load (local.get $p)) (v128.load (local.get $pq)))))
          (local.set $b (f32x4.add (local.get $b)
            (f32x4.mul (v128.load offset=16 (local.get $p)) (v128.load offset=16 (local.get $pq)))))
          (local.set $p (i32.add (local.get $p) (i32.const 32)))
          (local.set $pq (i32.add (local.get $pq) (i32.const 32)))
          (br_if $col (i32.lt_u (local.get $p) (local.get $end))))
        (local.set $a (f32x4.add (local.get $a) (local.get $b)))
        (f32.store (i32.add (local.get $out) (i32.shl (local.get $t) (i32.const 2)))
          (f32.add
            (f32.add (f32x4.extract_lane 0 (local.get $a)) (f32x4.extract_lane 1 (local.get $a)))
            (f32.add (f32x4.extract_lane 2 (local.get $a)) (f32x4.extract_lane 3 (local.get $a)))))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (br $row))))

  ;; acc[d] += w[t]·rows[t, d] for t < count, in float64, token after token (the same additions, in the
  ;; same order, as a scalar float64 loop: no fused multiply-add).
  (func (export "accumulateRows")
    (param $rows i32) (param $count i32) (param $headDim i32) (param $w i32) (param $acc i32)
    (local $t i32) (local $p i32) (local $pa i32) (local $end i32) (local $wv v128) (local $r v128)
    (local.set $p (local.get $rows))
    (block $done
      (loop $row
        (br_if $done (i32.ge_u (local.get $t) (local.get $count)))
        (local.set $wv (f64x2.splat (f64.promote_f32
          (f32.load (i32.add (local.get $w) (i32.shl (local.get $t) (i32.const 2)))))))
        (local.set $pa (local.get $acc))
        (local.set $end (i32.add (local.get $p) (i32.shl (local.get $headDim) (i32.const 2))))
        (loop $col
          (local.set $r (v128.load (local.get $p)))
          (v128.store (local.get $pa)
            (f64x2.add (v128.load (local.get $pa)) (f64x2.mul (local.get $wv) (f64x2.promote_low_f32x4 (local.get $r)))))
          (v128.store offset=16 (local.get $pa)
            (f64x2.add (v128.load offset=16 (local.get $pa))
              (f64x2.mul (local.get $wv)
                (f64x2.promote_low_f32x4
                  (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $r) (local.get $r))))))
          (local.set $p (i32.add (local.get $p) (i32.const 16)))
          (local.set $pa (i32.add (local.get $pa) (i32.const 32)))
          (br_if $col (i32.lt_u (local.get $p) (local.get $end))))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (br $row))))
)
