;; Load-time refusal case abi_no_marker (see ModuleLoadTest).
(module
  
  (memory (export "memory") 1)
  (func (export "malloc") (param i32) (result i32) (i32.const 1024))
)
