;; Rejections at both stages, for the stage rule (an engine that reports every rejection alike).
(assert_malformed (module binary "\00asm" "\02\00\00\00") "unknown binary version")
(assert_invalid (module (func (result i32) (i64.const 0))) "type mismatch")
(assert_malformed (module binary "\00asm" "\01\00\00\00" "\01") "unexpected end")
