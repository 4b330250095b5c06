;; _start calls proxy_set_shared_data, which cpp-host does not allow during start-up: the VM must fail to start.
(module
  (import "env" "proxy_set_shared_data" (func $set_shared (param i32 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "k")
  (func (export "malloc") (param i32) (result i32) (i32.const 4096))
  (func (export "_start") (drop (call $set_shared (i32.const 100) (i32.const 1) (i32.const 100) (i32.const 1) (i32.const 0))))
  (func (export "proxy_abi_version_0_2_1"))
)
