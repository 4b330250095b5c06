;; hostile_alloc: an allocator (malloc) that misbehaves as the plugin configuration says; proxy_on_request_headers
;; reads request header "x-a" (which runs the allocator) and logs the status digit ('0' + status), then the value
;; when the call succeeded.
;;   z  malloc returns 0
;;   g  malloc returns garbage: a block starting past the end of memory
;;   w  malloc returns a block that wraps: 0xFFFFFFF0 (pointer + size overflows 32 bits)
;;   e  malloc returns a block straddling the end of memory (its last byte)
;;   r  malloc calls proxy_get_header_map_value itself: host call -> allocator -> host call -> ... without end
;;   l  malloc calls proxy_log, then allocates normally (a benign host call from inside the allocator)
;;   other: malloc works
(module
  (import "env" "proxy_log" (func $log (param i32 i32 i32) (result i32)))
  (import "env" "proxy_get_buffer_bytes" (func $get_buffer (param i32 i32 i32 i32 i32) (result i32)))
  (import "env" "proxy_get_header_map_value" (func $get_hv (param i32 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 4096))
  (global $mode (mut i32) (i32.const 0))
  (data (i32.const 100) "x-a")
  (data (i32.const 110) "in malloc")
  (func (export "malloc") (param $size i32) (result i32)
    (local $p i32) (local $m i32)
    (local.set $m (global.get $mode))
    (if (i32.eq (local.get $m) (i32.const 122)) (then (return (i32.const 0)))) ;; z
    (if (i32.eq (local.get $m) (i32.const 103)) (then (return (i32.const 70000)))) ;; g
    (if (i32.eq (local.get $m) (i32.const 119)) (then (return (i32.const -16)))) ;; w
    (if (i32.eq (local.get $m) (i32.const 101)) (then (return (i32.const 65535)))) ;; e
    (if (i32.eq (local.get $m) (i32.const 114)) ;; r
      (then (drop (call $get_hv (i32.const 0) (i32.const 100) (i32.const 3) (i32.const 256) (i32.const 260)))))
    (if (i32.eq (local.get $m) (i32.const 108)) ;; l
      (then (drop (call $log (i32.const 2) (i32.const 110) (i32.const 9)))))
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
    (i32.const 1))
  (func (export "proxy_on_request_headers") (param $ctx i32) (param $n i32) (param $eos i32) (result i32)
    (local $s i32)
    (local.set $s (call $get_hv (i32.const 0) (i32.const 100) (i32.const 3) (i32.const 256) (i32.const 260)))
    (i32.store8 (i32.const 300) (i32.add (i32.const 48) (local.get $s)))
    (drop (call $log (i32.const 2) (i32.const 300) (i32.const 1)))
    (if (i32.eqz (local.get $s))
      (then (drop (call $log (i32.const 2) (i32.load (i32.const 256)) (i32.load (i32.const 260))))))
    (i32.const 0))
)
