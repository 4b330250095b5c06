;; ext_trap: traps in the callbacks of the bootstrap-level and logging extension points, for their failure tests.
;; proxy_on_log (access logger), envoy_on_stats_update (stats sink) and proxy_on_tick (service) hit unreachable.
;; A non-empty plugin configuration starts a 20 ms tick (so only the service configuration ticks).
(module
  (import "env" "proxy_set_tick_period_milliseconds" (func $tick (param i32) (result i32)))
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
  (func (export "proxy_on_configure") (param $root i32) (param $size i32) (result i32)
    (if (i32.gt_u (local.get $size) (i32.const 0))
      (then (drop (call $tick (i32.const 20)))))
    (i32.const 1))
  (func (export "proxy_on_tick") (param i32) unreachable)
  (func (export "proxy_on_log") (param i32) unreachable)
  (func (export "envoy_on_stats_update") (param i32 i32) unreachable))
