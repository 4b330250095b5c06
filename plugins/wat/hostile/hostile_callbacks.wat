;; hostile_callbacks: one fault in one callback kind, chosen by a two-letter configuration "<callback><fault>"
;; (the plugin configuration, or the VM configuration for on_vm_start).
;;
;; callback: v on_vm_start, c on_configure, x on_context_create (stream contexts), h/b/t request headers/body/
;;   trailers, H/B/T response headers/body/trailers, L on_log, d on_done, D on_delete, k on_tick (on_configure sets
;;   a 10 ms tick), n on_new_connection, s/S downstream/upstream data, z/Z downstream/upstream close,
;;   q on_queue_ready (on_configure registers queue "hostile"), r on_http_call_response (request headers call
;;   cluster "up"), m/M/e/E gRPC initial metadata/message/trailing metadata/close (request headers make a unary
;;   gRPC call to "up"), f on_foreign_function, w envoy_on_stats_update, a the allocator (malloc) whenever a host
;;   call returns data after configuration.
;; fault: u unreachable, l endless loop, g memory.grow by one page until refused then trap (as an allocator out
;;   of memory aborts), x proc_exit(7), r endless recursion, o out-of-bounds load.
;; Without a fault it logs "alive" from on_request_headers and on_new_connection.
(module
  (import "env" "proxy_log" (func $log (param i32 i32 i32) (result i32)))
  (import "env" "proxy_get_buffer_bytes" (func $get_buffer (param i32 i32 i32 i32 i32) (result i32)))
  (import "env" "proxy_get_header_map_pairs" (func $get_pairs (param i32 i32 i32) (result i32)))
  (import "env" "proxy_set_tick_period_milliseconds" (func $set_tick (param i32) (result i32)))
  (import "env" "proxy_register_shared_queue" (func $register_queue (param i32 i32 i32) (result i32)))
  (import "env" "proxy_http_call"
    (func $http_call (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "env" "proxy_grpc_call"
    (func $grpc_call (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 2)
  (global $heap (mut i32) (i32.const 8192))
  (global $cb (mut i32) (i32.const 0))
  (global $fault (mut i32) (i32.const 0))
  (data (i32.const 100) "alive")
  (data (i32.const 110) "hostile")
  (data (i32.const 120) "up")
  (data (i32.const 130) "hi")
  ;; http call headers :method GET, :path /, :authority up (proxy-wasm pairs encoding, 62 bytes)
  (data (i32.const 200) "\03\00\00\00\07\00\00\00\03\00\00\00\05\00\00\00\01\00\00\00\0a\00\00\00\02\00\00\00"
    ":method\00GET\00:path\00/\00:authority\00up\00")

  (func $fault_now
    (local $f i32)
    (local.set $f (global.get $fault))
    (if (i32.eq (local.get $f) (i32.const 117)) (then unreachable)) ;; u
    (if (i32.eq (local.get $f) (i32.const 108)) (then (loop $forever (br $forever)))) ;; l
    (if (i32.eq (local.get $f) (i32.const 103)) ;; g
      (then (loop $grow (br_if $grow (i32.ne (memory.grow (i32.const 1)) (i32.const -1)))) unreachable))
    (if (i32.eq (local.get $f) (i32.const 120)) (then (call $proc_exit (i32.const 7)))) ;; x
    (if (i32.eq (local.get $f) (i32.const 114)) (then (drop (call $recurse (i32.const 0))))) ;; r
    (if (i32.eq (local.get $f) (i32.const 111)) (then (drop (i32.load (i32.const -4)))))) ;; o
  (func $recurse (param $x i32) (result i32)
    (i32.add (i32.const 1) (call $recurse (i32.add (local.get $x) (i32.const 1)))))
  (func $maybe (param $code i32)
    (if (i32.eq (global.get $cb) (local.get $code)) (then (call $fault_now))))
  (func $alive (drop (call $log (i32.const 2) (i32.const 100) (i32.const 5))))

  (func (export "malloc") (param $size i32) (result i32)
    (local $p i32)
    (call $maybe (i32.const 97)) ;; a
    (if (i32.gt_u (i32.add (global.get $heap) (local.get $size)) (i32.const 131072))
      (then (global.set $heap (i32.const 8192))))
    (local.set $p (global.get $heap))
    (global.set $heap (i32.add (global.get $heap) (local.get $size)))
    (local.get $p))

  ;; Reads a two-letter configuration from buffer `type` into $cb/$fault (left alone when shorter).
  (func $configure (param $type i32) (param $size i32)
    (local $p i32)
    (if (i32.lt_u (local.get $size) (i32.const 2)) (then (return)))
    (if (i32.ne (call $get_buffer (local.get $type) (i32.const 0) (i32.const 2) (i32.const 16) (i32.const 20))
                (i32.const 0))
      (then (return)))
    (local.set $p (i32.load (i32.const 16)))
    (global.set $cb (i32.load8_u (local.get $p)))
    (global.set $fault (i32.load8_u (i32.add (local.get $p) (i32.const 1)))))

  (func (export "proxy_abi_version_0_2_1"))
  (func (export "proxy_on_vm_start") (param $ctx i32) (param $size i32) (result i32)
    (call $configure (i32.const 6) (local.get $size))
    (call $maybe (i32.const 118)) ;; v
    (i32.const 1))
  (func (export "proxy_on_configure") (param $ctx i32) (param $size i32) (result i32)
    (call $configure (i32.const 7) (local.get $size))
    (call $maybe (i32.const 99)) ;; c
    (if (i32.eq (global.get $cb) (i32.const 107)) (then (drop (call $set_tick (i32.const 10))))) ;; k
    (if (i32.eq (global.get $cb) (i32.const 113)) ;; q
      (then (drop (call $register_queue (i32.const 110) (i32.const 7) (i32.const 24)))))
    (i32.const 1))
  (func (export "proxy_on_context_create") (param $ctx i32) (param $parent i32)
    (if (i32.ne (local.get $parent) (i32.const 0)) (then (call $maybe (i32.const 120))))) ;; x
  (func (export "proxy_on_request_headers") (param $ctx i32) (param $n i32) (param $eos i32) (result i32)
    (local $cb i32)
    (local.set $cb (global.get $cb))
    (call $maybe (i32.const 104)) ;; h
    (if (i32.eq (local.get $cb) (i32.const 97)) ;; a: any host call returning data runs the allocator
      (then (drop (call $get_pairs (i32.const 0) (i32.const 16) (i32.const 20)))))
    (if (i32.eq (local.get $cb) (i32.const 114)) ;; r
      (then (drop (call $http_call (i32.const 120) (i32.const 2) (i32.const 200) (i32.const 62) (i32.const 130)
        (i32.const 2) (i32.const 0) (i32.const 0) (i32.const 5000) (i32.const 28)))))
    (if (i32.or (i32.or (i32.eq (local.get $cb) (i32.const 109)) (i32.eq (local.get $cb) (i32.const 77)))
                (i32.or (i32.eq (local.get $cb) (i32.const 101)) (i32.eq (local.get $cb) (i32.const 69)))) ;; m M e E
      (then (drop (call $grpc_call (i32.const 120) (i32.const 2) (i32.const 110) (i32.const 7) (i32.const 110)
        (i32.const 7) (i32.const 0) (i32.const 0) (i32.const 130) (i32.const 2) (i32.const 5000) (i32.const 32)))))
    (call $alive)
    (i32.const 0))
  (func (export "proxy_on_request_body") (param i32 i32 i32) (result i32) (call $maybe (i32.const 98)) (i32.const 0))
  (func (export "proxy_on_request_trailers") (param i32 i32) (result i32) (call $maybe (i32.const 116)) (i32.const 0))
  (func (export "proxy_on_response_headers") (param i32 i32 i32) (result i32) (call $maybe (i32.const 72)) (i32.const 0))
  (func (export "proxy_on_response_body") (param i32 i32 i32) (result i32) (call $maybe (i32.const 66)) (i32.const 0))
  (func (export "proxy_on_response_trailers") (param i32 i32) (result i32) (call $maybe (i32.const 84)) (i32.const 0))
  (func (export "proxy_on_log") (param i32) (call $maybe (i32.const 76)))
  (func (export "proxy_on_done") (param i32) (result i32) (call $maybe (i32.const 100)) (i32.const 1))
  (func (export "proxy_on_delete") (param i32) (call $maybe (i32.const 68)))
  (func (export "proxy_on_tick") (param i32) (call $maybe (i32.const 107)))
  (func (export "proxy_on_new_connection") (param i32) (result i32) (call $maybe (i32.const 110)) (call $alive) (i32.const 0))
  (func (export "proxy_on_downstream_data") (param i32 i32 i32) (result i32) (call $maybe (i32.const 115)) (i32.const 0))
  (func (export "proxy_on_upstream_data") (param i32 i32 i32) (result i32) (call $maybe (i32.const 83)) (i32.const 0))
  (func (export "proxy_on_downstream_connection_close") (param i32 i32) (call $maybe (i32.const 122)))
  (func (export "proxy_on_upstream_connection_close") (param i32 i32) (call $maybe (i32.const 90)))
  (func (export "proxy_on_queue_ready") (param i32 i32) (call $maybe (i32.const 113)))
  (func (export "proxy_on_http_call_response") (param i32 i32 i32 i32 i32) (call $maybe (i32.const 114)))
  (func (export "proxy_on_grpc_receive_initial_metadata") (param i32 i32 i32) (call $maybe (i32.const 109)))
  (func (export "proxy_on_grpc_receive") (param i32 i32 i32) (call $maybe (i32.const 77)))
  (func (export "proxy_on_grpc_receive_trailing_metadata") (param i32 i32 i32) (call $maybe (i32.const 101)))
  (func (export "proxy_on_grpc_close") (param i32 i32 i32) (call $maybe (i32.const 69)))
  (func (export "proxy_on_foreign_function") (param i32 i32 i32) (call $maybe (i32.const 102)))
  (func (export "envoy_on_stats_update") (param i32 i32) (call $maybe (i32.const 119)))
)
