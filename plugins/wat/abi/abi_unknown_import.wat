;; Load-time refusal case abi_unknown_import (see ModuleLoadTest).
(module
  (import "env" "proxy_frobnicate" (func (param i32) (result i32))) (func (export "proxy_abi_version_0_2_1"))
  (memory (export "memory") 1)
  (func (export "malloc") (param i32) (result i32) (i32.const 1024))
)
