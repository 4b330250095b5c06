;; Traps in on_request_headers when the request has an x-trap header (a VM crash on demand); otherwise a no-op.
;; With a configuration of "refuse", on_configure returns false (a plugin that cannot start).
(module
  (import "env" "proxy_get_header_map_value" (func $get_header (param i32 i32 i32 i32 i32) (result i32)))
  (import "env" "proxy_get_buffer_bytes" (func $get_buffer (param i32 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 2)
  (data (i32.const 16) "x-trap")
  (func (export "malloc") (param i32) (result i32) (i32.const 4096))
  (func (export "proxy_on_vm_start") (param i32 i32) (result i32) (i32.const 1))
  (func (export "proxy_on_configure") (param $ctx i32) (param $size i32) (result i32)
    ;; "refuse" (6 bytes) starting with 'r' => false
    (if (i32.eq (local.get $size) (i32.const 6))
      (then
        (drop (call $get_buffer (i32.const 7) (i32.const 0) (i32.const 6) (i32.const 32) (i32.const 36)))
        (if (i32.eq (i32.load8_u (i32.load (i32.const 32))) (i32.const 114)) (then (return (i32.const 0))))))
    (i32.const 1))
  (func (export "proxy_on_context_create") (param i32 i32))
  (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
    (if (i32.eq (call $get_header (i32.const 0) (i32.const 16) (i32.const 6) (i32.const 32) (i32.const 36)) (i32.const 0))
      (then unreachable))
    (i32.const 0))
  (func (export "proxy_abi_version_0_2_1"))
)
