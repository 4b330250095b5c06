;; net_trap_on_t: a network filter that lets bytes through unless the downstream data starts with 't', where it traps
;; (unreachable); for FAIL_RELOAD: a reloaded VM serves again.
(module
  (import "env" "proxy_get_buffer_bytes" (func $get (param i32 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 1024))
  (func (export "malloc") (param $size i32) (result i32)
    (local $p i32)
    (local.set $p (global.get $heap))
    (global.set $heap (i32.add (global.get $heap) (local.get $size)))
    (local.get $p))
  (func (export "proxy_abi_version_0_2_1"))
  (func (export "proxy_on_context_create") (param i32 i32))
  (func (export "proxy_on_vm_start") (param i32 i32) (result i32) (i32.const 1))
  (func (export "proxy_on_configure") (param i32 i32) (result i32) (i32.const 1))
  (func (export "proxy_on_new_connection") (param i32) (result i32) (i32.const 0))
  (func (export "proxy_on_downstream_data") (param $ctx i32) (param $size i32) (param $eos i32) (result i32)
    (if (i32.eqz (local.get $size)) (then (return (i32.const 0))))
    ;; DOWNSTREAM_DATA (2), first byte: the host writes its copy's address at 16 and the size at 20
    (drop (call $get (i32.const 2) (i32.const 0) (i32.const 1) (i32.const 16) (i32.const 20)))
    (if (i32.eq (i32.load8_u (i32.load (i32.const 16))) (i32.const 116)) (then unreachable))
    (i32.const 0)))
