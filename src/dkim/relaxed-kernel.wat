;; relaxed canonicalization (RFC 6376 §3.4.4 body, §3.4.2 header fields) in WebAssembly with SIMD.
;; Source of src/dkim/relaxed-kernel-wasm.ts (regenerate with `npm run wasm`; a test checks that
;; the two agree). Used by src/dkim/relaxed-kernel.ts; the JavaScript canonicalizers in
;; relaxed-body.ts and canonicalize.ts are the reference (property tests compare them).
;;
;; relaxed(n, out) -> end: the body is at [0, n), CRLF-normalised (a lone CR and an LF without a CR
;; before it are data). The canonical body is written from `out` (out >= n + 16) and its end is
;; returned. WSP at line ends is removed, WSP runs become one SP, empty lines at the end are
;; removed, and a non-empty body ends with CRLF.
(module
  (memory (export "memory") 1)
  (func (export "relaxed") (param $n i32) (param $out i32) (result i32)
    (local $i i32) (local $j i32) (local $e i32) (local $b i32) (local $k i32)
    (local $wsp i32)   ;; a WSP run is pending (written as one SP before the next data octet)
    (local $held i32)  ;; line ends since the last data octet (written before the next one)
    (local $any i32)   ;; a data octet was written
    (local $v v128) (local $m v128)
    (local.set $j (local.get $out))
    ;; e: just after the last octet above SP. Before it, every line end and every octet that is
    ;; not a change is written as it is, so 16 octets at a time.
    (local.set $e (local.get $n))
    (block $trimmed
      (loop $trim
        (br_if $trimmed (i32.eqz (local.get $e)))
        (br_if $trimmed
          (i32.gt_u (i32.load8_u (i32.sub (local.get $e) (i32.const 1))) (i32.const 32)))
        (local.set $e (i32.sub (local.get $e) (i32.const 1)))
        (br $trim)))
    (block $end
      (loop $next
        (br_if $end (i32.ge_u (local.get $i) (local.get $n)))
        ;; Nothing pending and 17 octets before e (the 17th is the next-octet test of the 16th).
        (if (i32.and (i32.eqz (i32.or (local.get $wsp) (local.get $held)))
                     (i32.le_u (i32.add (local.get $i) (i32.const 17)) (local.get $e)))
          (then
            ;; m: the changes, an HTAB or an SP followed by an octet <= SP (SP, HTAB, CR, ...).
            (local.set $v (v128.load (local.get $i)))
            (local.set $m
              (v128.or
                (v128.and (i8x16.eq (local.get $v) (i8x16.splat (i32.const 32)))
                          (i8x16.le_u (v128.load offset=1 (local.get $i)) (i8x16.splat (i32.const 32))))
                (i8x16.eq (local.get $v) (i8x16.splat (i32.const 9)))))
            ;; The 16 octets go out as they are; a change at lane k keeps only the k before it.
            (v128.store (local.get $j) (local.get $v))
            (local.set $any (i32.const 1))
            (if (i32.eqz (v128.any_true (local.get $m)))
              (then
                (local.set $i (i32.add (local.get $i) (i32.const 16)))
                (local.set $j (i32.add (local.get $j) (i32.const 16)))
                (br $next)))
            (local.set $k (i32.ctz (i8x16.bitmask (local.get $m))))
            (local.set $i (i32.add (local.get $i) (local.get $k)))
            (local.set $j (i32.add (local.get $j) (local.get $k)))))
        ;; One octet through the state machine.
        (local.set $b (i32.load8_u (local.get $i)))
        (if (i32.or (i32.eq (local.get $b) (i32.const 32)) (i32.eq (local.get $b) (i32.const 9)))
          (then
            (local.set $wsp (i32.const 1))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $next)))
        (if (i32.eq (local.get $b) (i32.const 13))
          (then
            (if (i32.lt_u (i32.add (local.get $i) (i32.const 1)) (local.get $n))
              (then
                (if (i32.eq (i32.load8_u offset=1 (local.get $i)) (i32.const 10))
                  (then
                    ;; A line end: the WSP before it goes; the CRLF waits for a data octet.
                    (local.set $wsp (i32.const 0))
                    (local.set $held (i32.add (local.get $held) (i32.const 1)))
                    (local.set $i (i32.add (local.get $i) (i32.const 2)))
                    (br $next)))))))
        ;; A data octet: the held line ends, then a pending WSP run as one SP, then the octet.
        (block $released
          (loop $release
            (br_if $released (i32.eqz (local.get $held)))
            (i32.store16 (local.get $j) (i32.const 0x0a0d))
            (local.set $j (i32.add (local.get $j) (i32.const 2)))
            (local.set $held (i32.sub (local.get $held) (i32.const 1)))
            (br $release)))
        (if (local.get $wsp)
          (then
            (i32.store8 (local.get $j) (i32.const 32))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (local.set $wsp (i32.const 0))))
        (i32.store8 (local.get $j) (local.get $b))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (local.set $any (i32.const 1))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    ;; Held line ends and a pending WSP run at the end are dropped; the last line ends with CRLF.
    (if (local.get $any)
      (then
        (i32.store16 (local.get $j) (i32.const 0x0a0d))
        (local.set $j (i32.add (local.get $j) (i32.const 2)))))
    (local.get $j))
;;
;; header(p, n, j, crlf) -> end: the header field at [p, p+n) (name, WSP, ":", value with its
;; folding; the name printable ASCII, as message/header-fields.ts accepts it) relaxed (RFC 6376
;; §3.4.2) at j: the name lower-cased, WSP before the colon dropped, every CR and LF dropped, WSP
;; runs as one SP, WSP at the start and end of the value dropped; then CRLF when crlf is 1.
  (func (export "header") (param $p i32) (param $n i32) (param $j i32) (param $crlf i32) (result i32)
    (local $end i32) (local $b i32) (local $wsp i32) (local $start i32)
    (local.set $end (i32.add (local.get $p) (local.get $n)))
    (block $colon
      (loop $name
        (br_if $colon (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $b (i32.load8_u (local.get $p)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br_if $colon (i32.eq (local.get $b) (i32.const 58)))
        (if (i32.gt_u (local.get $b) (i32.const 32))
          (then
            (if (i32.lt_u (i32.sub (local.get $b) (i32.const 65)) (i32.const 26))
              (then (local.set $b (i32.or (local.get $b) (i32.const 32)))))
            (i32.store8 (local.get $j) (local.get $b))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))))
        (br $name)))
    (i32.store8 (local.get $j) (i32.const 58))
    (local.set $j (i32.add (local.get $j) (i32.const 1)))
    (local.set $start (local.get $j))
    (block $done
      (loop $value
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $b (i32.load8_u (local.get $p)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (if (i32.or (i32.eq (local.get $b) (i32.const 32)) (i32.eq (local.get $b) (i32.const 9)))
          (then
            (local.set $wsp (i32.const 1))
            (br $value)))
        (br_if $value (i32.or (i32.eq (local.get $b) (i32.const 13)) (i32.eq (local.get $b) (i32.const 10))))
        (if (i32.and (local.get $wsp) (i32.ne (local.get $j) (local.get $start)))
          (then
            (i32.store8 (local.get $j) (i32.const 32))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))))
        (local.set $wsp (i32.const 0))
        (i32.store8 (local.get $j) (local.get $b))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $value)))
    (if (local.get $crlf)
      (then
        (i32.store16 (local.get $j) (i32.const 0x0a0d))
        (local.set $j (i32.add (local.get $j) (i32.const 2)))))
    (local.get $j))
)
