;; hostile_huge: floods the host from proxy_on_request_headers with what the plugin configuration picks, then logs
;; how many calls answered OK and the last status ("<ok> <status>"):
;;   l  proxy_log of 1 MiB (once)
;;   b  proxy_set_buffer_bytes appending 1 MiB to the request body, 64 times
;;   h  proxy_add_header_map_value of a 1 MiB value, then 8192 headers with 1 KiB values (request headers)
;;   e  16384 proxy_add_header_map_value calls with an empty name and value (entry count, not bytes)
;;   s  proxy_set_shared_data of 1 MiB + 1 byte (once, reported on its own line), then 256 keys of 1 MiB each
;;   q  100 proxy_enqueue_shared_queue calls of 1 MiB into one queue
;;   Q  2000 proxy_register_shared_queue calls with different names
(module
  (import "env" "proxy_log" (func $log (param i32 i32 i32) (result i32)))
  (import "env" "proxy_get_buffer_bytes" (func $get_buffer (param i32 i32 i32 i32 i32) (result i32)))
  (import "env" "proxy_set_buffer_bytes" (func $set_buffer (param i32 i32 i32 i32 i32) (result i32)))
  (import "env" "proxy_add_header_map_value" (func $add_hv (param i32 i32 i32 i32 i32) (result i32)))
  (import "env" "proxy_set_shared_data" (func $set_shared (param i32 i32 i32 i32 i32) (result i32)))
  (import "env" "proxy_register_shared_queue" (func $register_queue (param i32 i32 i32) (result i32)))
  (import "env" "proxy_enqueue_shared_queue" (func $enqueue (param i32 i32 i32) (result i32)))
  (memory (export "memory") 18)
  (global $heap (mut i32) (i32.const 4096))
  (global $mode (mut i32) (i32.const 0))
  (global $ok (mut i32) (i32.const 0))
  (global $last (mut i32) (i32.const 0))
  (data (i32.const 100) "k000x-huge")
  (func (export "malloc") (param $size i32) (result i32)
    (local $p i32)
    (if (i32.gt_u (i32.add (global.get $heap) (local.get $size)) (i32.const 60000))
      (then (global.set $heap (i32.const 4096))))
    (local.set $p (global.get $heap))
    (global.set $heap (i32.add (global.get $heap) (local.get $size)))
    (local.get $p))
  (func (export "proxy_abi_version_0_2_1"))
  (func (export "proxy_on_vm_start") (param i32 i32) (result i32) (i32.const 1))
  (func (export "proxy_on_context_create") (param i32 i32))
  (func (export "proxy_on_configure") (param $ctx i32) (param $size i32) (result i32)
    (if (i32.ne (call $get_buffer (i32.const 7) (i32.const 0) (i32.const 1) (i32.const 16) (i32.const 20))
                (i32.const 0))
      (then (return (i32.const 0))))
    (global.set $mode (i32.load8_u (i32.load (i32.const 16))))
    ;; 1 MiB + 1 of 'a' from 64 KiB on
    (memory.fill (i32.const 65536) (i32.const 97) (i32.const 1048577))
    (i32.const 1))
  (func $count (param $status i32)
    (global.set $last (local.get $status))
    (if (i32.eqz (local.get $status)) (then (global.set $ok (i32.add (global.get $ok) (i32.const 1))))))
  ;; writes v in decimal ending just before `end`; returns the start
  (func $digits (param $v i32) (param $end i32) (result i32)
    (loop $d
      (local.set $end (i32.sub (local.get $end) (i32.const 1)))
      (i32.store8 (local.get $end) (i32.add (i32.const 48) (i32.rem_u (local.get $v) (i32.const 10))))
      (local.set $v (i32.div_u (local.get $v) (i32.const 10)))
      (br_if $d (i32.ne (local.get $v) (i32.const 0))))
    (local.get $end))
  (func $report
    (local $p i32)
    (local.set $p (call $digits (global.get $last) (i32.const 960)))
    (i32.store8 (i32.sub (local.get $p) (i32.const 1)) (i32.const 32))
    (local.set $p (call $digits (global.get $ok) (i32.sub (local.get $p) (i32.const 1))))
    (drop (call $log (i32.const 2) (local.get $p) (i32.sub (i32.const 960) (local.get $p)))))
  (func (export "proxy_on_request_headers") (param $ctx i32) (param $n i32) (param $eos i32) (result i32)
    (local $i i32) (local $m i32)
    (local.set $m (global.get $mode))
    (if (i32.eq (local.get $m) (i32.const 108)) ;; l
      (then (call $count (call $log (i32.const 2) (i32.const 65536) (i32.const 1048576)))))
    (if (i32.eq (local.get $m) (i32.const 98)) ;; b
      (then (loop $more
        (call $count (call $set_buffer (i32.const 0) (i32.const -1) (i32.const 0) (i32.const 65536) (i32.const 1048576)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $more (i32.lt_u (local.get $i) (i32.const 64))))))
    (if (i32.eq (local.get $m) (i32.const 104)) ;; h
      (then
        (call $count (call $add_hv (i32.const 0) (i32.const 104) (i32.const 6) (i32.const 65536) (i32.const 1048576)))
        (loop $more
          (call $count (call $add_hv (i32.const 0) (i32.const 104) (i32.const 6) (i32.const 65536) (i32.const 1024)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $more (i32.lt_u (local.get $i) (i32.const 8192))))))
    (if (i32.eq (local.get $m) (i32.const 101)) ;; e
      (then (loop $more
        (call $count (call $add_hv (i32.const 0) (i32.const 104) (i32.const 0) (i32.const 104) (i32.const 0)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $more (i32.lt_u (local.get $i) (i32.const 16384))))))
    (if (i32.eq (local.get $m) (i32.const 115)) ;; s
      (then
        (call $count (call $set_shared (i32.const 100) (i32.const 4) (i32.const 65536) (i32.const 1048577) (i32.const 0)))
        (call $report)
        (global.set $ok (i32.const 0))
        (loop $more
          (drop (call $digits (local.get $i) (i32.const 104)))
          (call $count (call $set_shared (i32.const 100) (i32.const 4) (i32.const 65536) (i32.const 1048576) (i32.const 0)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $more (i32.lt_u (local.get $i) (i32.const 256))))))
    (if (i32.eq (local.get $m) (i32.const 113)) ;; q
      (then
        (drop (call $register_queue (i32.const 100) (i32.const 4) (i32.const 40)))
        (loop $more
          (call $count (call $enqueue (i32.load (i32.const 40)) (i32.const 65536) (i32.const 1048576)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $more (i32.lt_u (local.get $i) (i32.const 100))))))
    (if (i32.eq (local.get $m) (i32.const 81)) ;; Q
      (then (loop $more
        (i32.store (i32.const 110) (i32.const 0x30303030)) ;; "0000"
        (drop (call $digits (local.get $i) (i32.const 114)))
        (call $count (call $register_queue (i32.const 110) (i32.const 4) (i32.const 44)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $more (i32.lt_u (local.get $i) (i32.const 2000))))))
    (call $report)
    (i32.const 0))
)
