;; Load-time refusal case abi_v020_two_param_headers (see ModuleLoadTest).
(module
  (func (export "proxy_on_request_headers") (param i32 i32) (result i32) (i32.const 0)) (func (export "proxy_abi_version_0_2_0"))
  (memory (export "memory") 1)
  (func (export "malloc") (param i32) (result i32) (i32.const 1024))
)
