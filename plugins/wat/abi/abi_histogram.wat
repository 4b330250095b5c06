;; A plugin histogram: on every request, proxy_define_metric(HISTOGRAM, "wasmcustom.wat_hist") and record 7 and 1500,
;; so the host shows it (as "wat_hist", Envoy strips "wasmcustom.") with known counts, sum and bucket placement.
(module
  (import "env" "proxy_define_metric" (func $define (param i32 i32 i32 i32) (result i32)))
  (import "env" "proxy_record_metric" (func $record (param i32 i64) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "wasmcustom.wat_hist")
  (func (export "malloc") (param i32) (result i32) (i32.const 4096))
  (func (export "proxy_on_request_headers") (param $ctx i32) (param $n i32) (param $eos i32) (result i32)
    (if (call $define (i32.const 2) (i32.const 100) (i32.const 19) (i32.const 200)) (then unreachable))
    (if (call $record (i32.load (i32.const 200)) (i64.const 7)) (then unreachable))
    (if (call $record (i32.load (i32.const 200)) (i64.const 1500)) (then unreachable))
    (i32.const 0))
  (func (export "proxy_abi_version_0_2_1"))
)
