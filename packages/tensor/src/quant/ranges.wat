;; Min and max of consecutive equal-sized groups of float32 (a multiple of 4 floats each), f32x4 lanes.
;; groupRanges(src, groups, groupBytes, dst): for g < groups, dst[2g] = min, dst[2g + 1] = max of the
;; floats at src + g·groupBytes. f32x4.min/max order -0 below +0 and return NaN when a lane holds NaN,
;; so a NaN in a group shows up as a NaN range (the caller reports it).
(module
  (memory (export "memory") 1)
  (func (export "groupRanges") (param $src i32) (param $groups i32) (param $groupBytes i32) (param $dst i32)
    (local $end i32) (local $stop i32) (local $v v128) (local $w v128)
    (local $lo v128) (local $hi v128) (local $lo2 v128) (local $hi2 v128)
    (local.set $stop (i32.add (local.get $dst) (i32.shl (local.get $groups) (i32.const 3))))
    (block $done
      (loop $group
        (br_if $done (i32.ge_u (local.get $dst) (local.get $stop)))
        (local.set $end (i32.add (local.get $src) (local.get $groupBytes)))
        (local.set $lo (v128.load (local.get $src)))
        (local.set $hi (local.get $lo))
        (local.set $lo2 (local.get $lo))
        (local.set $hi2 (local.get $lo))
        (local.set $src (i32.add (local.get $src) (i32.const 16)))
        ;; two vectors per step, two accumulator pairs
        (block $pairsDone
          (loop $pairs
            (br_if $pairsDone (i32.gt_u (i32.add (local.get $src) (i32.const 32)) (local.get $end)))
            (local.set $v (v128.load (local.get $src)))
            (local.set $w (v128.load offset=16 (local.get $src)))
            (local.set $lo (f32x4.min (local.get $lo) (local.get $v)))
            (local.set $hi (f32x4.max (local.get $hi) (local.get $v)))
            (local.set $lo2 (f32x4.min (local.get $lo2) (local.get $w)))
            (local.set $hi2 (f32x4.max (local.get $hi2) (local.get $w)))
            (local.set $src (i32.add (local.get $src) (i32.const 32)))
            (br $pairs)))
        (if (i32.lt_u (local.get $src) (local.get $end))
          (then
            (local.set $v (v128.load (local.get $src)))
            (local.set $lo (f32x4.min (local.get $lo) (local.get $v)))
            (local.set $hi (f32x4.max (local.get $hi) (local.get $v)))
            (local.set $src (i32.add (local.get $src) (i32.const 16)))))
        (local.set $lo (f32x4.min (local.get $lo) (local.get $lo2)))
        (local.set $hi (f32x4.max (local.get $hi) (local.get $hi2)))
        ;; lanes (0,1,2,3) against (2,3,0,1), then (1,0,3,2)
        (local.set $lo (f32x4.min (local.get $lo)
          (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $lo) (local.get $lo))))
        (local.set $lo (f32x4.min (local.get $lo)
          (i8x16.shuffle 4 5 6 7 0 1 2 3 12 13 14 15 8 9 10 11 (local.get $lo) (local.get $lo))))
        (local.set $hi (f32x4.max (local.get $hi)
          (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $hi) (local.get $hi))))
        (local.set $hi (f32x4.max (local.get $hi)
          (i8x16.shuffle 4 5 6 7 0 1 2 3 12 13 14 15 8 9 10 11 (local.get $hi) (local.get $hi))))
        (f32.store (local.get $dst) (f32x4.extract_lane 0 (local.get $lo)))
        (f32.store offset=4 (local.get $dst) (f32x4.extract_lane 0 (local.get $hi)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 8)))
        (br $group))))
  ;; columnRanges(src, rows, rowBytes, dst): per column of a [rows, rowBytes / 4] block (rowBytes a multiple
  ;; of 16), dst[c] = min and dst[cols + c] = max over the rows, four columns per f32x4.
  (func (export "columnRanges") (param $src i32) (param $rows i32) (param $rowBytes i32) (param $dst i32)
    (local $c i32) (local $p i32) (local $end i32) (local $lo v128) (local $hi v128) (local $v v128)
    (block $done
      (loop $column
        (br_if $done (i32.ge_u (local.get $c) (local.get $rowBytes)))
        (local.set $p (i32.add (local.get $src) (local.get $c)))
        (local.set $end (i32.add (local.get $p) (i32.mul (local.get $rows) (local.get $rowBytes))))
        (local.set $lo (v128.load (local.get $p)))
        (local.set $hi (local.get $lo))
        (local.set $p (i32.add (local.get $p) (local.get $rowBytes)))
        (block $rowsDone
          (loop $row
            (br_if $rowsDone (i32.ge_u (local.get $p) (local.get $end)))
            (local.set $v (v128.load (local.get $p)))
            (local.set $lo (f32x4.min (local.get $lo) (local.get $v)))
            (local.set $hi (f32x4.max (local.get $hi) (local.get $v)))
            (local.set $p (i32.add (local.get $p) (local.get $rowBytes)))
            (br $row)))
        (v128.store (i32.add (local.get $dst) (local.get $c)) (local.get $lo))
        (v128.store (i32.add (i32.add (local.get $dst) (local.get $rowBytes)) (local.get $c)) (local.get $hi))
        (local.set $c (i32.add (local.get $c) (i32.const 16)))
        (br $column)))))
