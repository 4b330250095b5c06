;; Load-time refusal case abi_memory_import (see ModuleLoadTest).
(module
  (import "env" "memory" (memory 1)) (func (export "proxy_abi_version_0_2_1"))
  
  (func (export "malloc") (param i32) (result i32) (i32.const 1024))
)
