;; A guest-driven WASI program that imports from both module names at once, as mixed toolchains can:
;; "run" writes a line split over two fd_write calls (preview1), one complete line to stderr (wasi_unstable),
;; a partial line left for the host to flush, then calls proc_exit(3).
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $write1 (param i32 i32 i32 i32) (result i32)))
  (import "wasi_unstable" "fd_write" (func $write0 (param i32 i32 i32 i32) (result i32)))
  (import "wasi_unstable" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "hello, ")
  (data (i32.const 120) "world\nsecond ")
  (data (i32.const 140) "bad thing\n")
  (data (i32.const 160) "no newline")
  ;; iovec at 0: {buf, len}; nwritten at 8
  (func $emit (param $fd i32) (param $buf i32) (param $len i32) (param $unstable i32) (result i32)
    (i32.store (i32.const 0) (local.get $buf))
    (i32.store (i32.const 4) (local.get $len))
    (if (result i32) (local.get $unstable)
      (then (call $write0 (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 8)))
      (else (call $write1 (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 8)))))
  (func (export "run") (result i32)
    (local $errors i32)
    (local.set $errors (call $emit (i32.const 1) (i32.const 100) (i32.const 7) (i32.const 0)))
    (local.set $errors (i32.or (local.get $errors) (call $emit (i32.const 1) (i32.const 120) (i32.const 13) (i32.const 0))))
    (local.set $errors (i32.or (local.get $errors) (call $emit (i32.const 2) (i32.const 140) (i32.const 10) (i32.const 1))))
    (local.set $errors (i32.or (local.get $errors) (call $emit (i32.const 2) (i32.const 160) (i32.const 10) (i32.const 1))))
    (local.get $errors))
  (func (export "exit") (param i32) (call $exit (local.get 0)))
)
