;; An ABI 0.1.0 module exporting the 3-parameter headers callback (TinyGo built for MOSN does this): accepted, and
;; it receives end_of_stream. on_request_headers logs n and eos as digits.
(module
  (import "env" "proxy_log" (func $log (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "malloc") (param i32) (result i32) (i32.const 4096))
  (func $digit (param $d i32)
    (i32.store8 (i32.const 300) (i32.add (i32.const 48) (local.get $d)))
    (drop (call $log (i32.const 2) (i32.const 300) (i32.const 1))))
  (func (export "proxy_on_request_headers") (param $ctx i32) (param $n i32) (param $eos i32) (result i32)
    (call $digit (local.get $n))
    (call $digit (local.get $eos))
    (i32.const 0))
  (func (export "proxy_abi_version_0_1_0"))
)
