;; Faults for containment tests. on_request_headers(ctx, n, eos):
;; 1 unreachable, 2 endless loop, 3 grows memory to a 4-page limit, then past it (logs the result, then traps as
;; an allocator out of memory would), 4 out-of-bounds load,
;; 5 endless recursion, 6 integer divide by zero, 7 logs "alive", 8 proc_exit(3), 9 endless loop of host calls,
;; 10 grows memory by one page (logs the old size).
;; on_request_body(ctx, size, eos) makes `size` host calls, then returns (a call of tunable length).
(module
  (import "env" "proxy_log" (func $log (param i32 i32 i32) (result i32)))
  (import "env" "proxy_get_log_level" (func $get_log_level (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "alive")
  (func (export "malloc") (param i32) (result i32) (i32.const 1024))
  (func $num (param $v i32) (local $p i32)
    (local.set $p (i32.const 960))
    (loop $d
      (local.set $p (i32.sub (local.get $p) (i32.const 1)))
      (i32.store8 (local.get $p) (i32.add (i32.const 48) (i32.rem_u (local.get $v) (i32.const 10))))
      (local.set $v (i32.div_u (local.get $v) (i32.const 10)))
      (br_if $d (i32.ne (local.get $v) (i32.const 0))))
    (drop (call $log (i32.const 2) (local.get $p) (i32.sub (i32.const 960) (local.get $p)))))
  (func $recurse (param $x i32) (result i32)
    (i32.add (i32.const 1) (call $recurse (i32.add (local.get $x) (i32.const 1)))))
  (func (export "proxy_on_request_headers") (param $ctx i32) (param $n i32) (param $eos i32) (result i32)
    (if (i32.eq (local.get $n) (i32.const 1)) (then unreachable))
    (if (i32.eq (local.get $n) (i32.const 2)) (then (loop $forever (br $forever))))
    (if (i32.eq (local.get $n) (i32.const 3))
      (then (drop (memory.grow (i32.const 3))) (call $num (memory.grow (i32.const 100))) unreachable))
    (if (i32.eq (local.get $n) (i32.const 4)) (then (drop (i32.load (i32.const -16)))))
    (if (i32.eq (local.get $n) (i32.const 5)) (then (drop (call $recurse (i32.const 0)))))
    (if (i32.eq (local.get $n) (i32.const 6)) (then (drop (i32.div_s (i32.const 1) (local.get $eos)))))
    (if (i32.eq (local.get $n) (i32.const 7)) (then (drop (call $log (i32.const 2) (i32.const 100) (i32.const 5)))))
    (if (i32.eq (local.get $n) (i32.const 8)) (then (call $proc_exit (i32.const 3))))
    (if (i32.eq (local.get $n) (i32.const 9))
      (then (loop $calls (drop (call $get_log_level (i32.const 200))) (br $calls))))
    (if (i32.eq (local.get $n) (i32.const 10)) (then (call $num (memory.grow (i32.const 1)))))

    (i32.const 0))
  (func (export "proxy_on_request_body") (param $ctx i32) (param $size i32) (param $eos i32) (result i32)
    (block $done (loop $more
      (br_if $done (i32.eqz (local.get $size)))
      (drop (call $get_log_level (i32.const 200)))
      (local.set $size (i32.sub (local.get $size) (i32.const 1)))
      (br $more)))
    (i32.const 0))
  (func (export "proxy_abi_version_0_2_1"))
)
