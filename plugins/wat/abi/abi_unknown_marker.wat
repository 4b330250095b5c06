;; Load-time refusal case abi_unknown_marker (see ModuleLoadTest).
(module
  (func (export "proxy_abi_version_0_3_0"))
  (memory (export "memory") 1)
  (func (export "malloc") (param i32) (result i32) (i32.const 1024))
)
