;; A shared-data counter: on_request_headers(ctx, n, eos) increments shared key "n" (a 4-byte little-endian int)
;; n times with compare-and-swap, retrying on CAS_MISMATCH, as plugins on several workers do.
(module
  (import "env" "proxy_get_shared_data" (func $get_shared (param i32 i32 i32 i32 i32) (result i32)))
  (import "env" "proxy_set_shared_data" (func $set_shared (param i32 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "n")
  ;; every value the host returns is 4 bytes: reuse one block
  (func (export "malloc") (param i32) (result i32) (i32.const 4096))
  (func $increment (local $status i32) (local $value i32) (local $cas i32)
    (loop $retry
      (local.set $value (i32.const 0))
      (local.set $cas (i32.const 0))
      (if (i32.eqz (call $get_shared (i32.const 100) (i32.const 1) (i32.const 256) (i32.const 260) (i32.const 264)))
        (then
          (local.set $value (i32.load (i32.load (i32.const 256))))
          (local.set $cas (i32.load (i32.const 264)))))
      (i32.store (i32.const 300) (i32.add (local.get $value) (i32.const 1)))
      (local.set $status (call $set_shared (i32.const 100) (i32.const 1) (i32.const 300) (i32.const 4) (local.get $cas)))
      (br_if $retry (i32.eq (local.get $status) (i32.const 8)))
      (if (local.get $status) (then unreachable))))
  (func (export "proxy_on_request_headers") (param $ctx i32) (param $n i32) (param $eos i32) (result i32)
    (block $done (loop $more
      (br_if $done (i32.eqz (local.get $n)))
      (call $increment)
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $more)))
    (i32.const 0))
  (func (export "proxy_abi_version_0_2_1"))
)
