;; Load-time refusal case abi_bad_callback (see ModuleLoadTest).
(module
  (func (export "proxy_on_configure") (param i32 i32 i32 i32) (result i32) (i32.const 1)) (func (export "proxy_abi_version_0_2_1"))
  (memory (export "memory") 1)
  (func (export "malloc") (param i32) (result i32) (i32.const 1024))
)
