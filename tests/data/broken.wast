;; Not a valid script: the converter rejects it.
(module (func (export "f") (result i32) (i32.const)))
