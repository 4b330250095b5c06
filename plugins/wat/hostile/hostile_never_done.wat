;; hostile_never_done: its root context answers proxy_on_done with false ("not done yet") and never calls
;; proxy_done, so a host that waits for it would keep the plugin (and its VM) forever. Streams work normally:
;; proxy_on_request_headers logs "alive"; proxy_on_delete logs "deleted".
(module
  (import "env" "proxy_log" (func $log (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "alive")
  (data (i32.const 110) "deleted")
  (func (export "malloc") (param i32) (result i32) (i32.const 4096))
  (func (export "proxy_abi_version_0_2_1"))
  (func (export "proxy_on_vm_start") (param i32 i32) (result i32) (i32.const 1))
  (func (export "proxy_on_configure") (param i32 i32) (result i32) (i32.const 1))
  (func (export "proxy_on_context_create") (param i32 i32))
  (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
    (drop (call $log (i32.const 2) (i32.const 100) (i32.const 5)))
    (i32.const 0))
  (func (export "proxy_on_done") (param $ctx i32) (result i32) (i32.const 0))
  (func (export "proxy_on_delete") (param i32) (drop (call $log (i32.const 2) (i32.const 110) (i32.const 7))))
)
