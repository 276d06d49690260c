"""The instruction table: opcode, mnemonic, immediate kind and introducing feature of every instruction.

Spec ``binary/instructions.rst`` (encodings) and ``syntax/instructions.rst`` (mnemonics, immediates); the
appendix's opcode index is generated from the same facts. One row per instruction, in opcode order:

    OPCODE         MNEMONIC                  IMMEDIATES      FEATURE

* ``OPCODE`` is one byte (``0x6A``) or a prefix byte and a ``u32`` sub-opcode (``0xFD 0x0E``); prefixed
  instructions are keyed ``(prefix, subopcode)`` in ``BY_OPCODE``.
* ``MNEMONIC`` is the text-format name, which is also ``Instr.op``.
* ``IMMEDIATES`` names how the immediates are encoded, one of ``IMMEDIATE_KINDS`` (``-``: none). The decoder reads
  them by kind; ``Instr.args`` holds them in abstract-syntax order (see the team contract in ``syntax/module.py``).
* ``FEATURE`` is the feature (as in ``oracle.features``) that introduced the instruction, ``-`` for WebAssembly 1.0.

``select`` has two rows (0x1B untyped, 0x1C with a type list); ``BY_NAME["select"]`` is the untyped one. So do
``ref.test`` and ``ref.cast`` (non-null and nullable target, told apart by the ``RefType`` in ``Instr.args``).
"""
from __future__ import annotations

from typing import NamedTuple, Union

Opcode = Union[int, tuple[int, int]]

#: Immediate kinds. Index kinds are one ``u32``; the others are documented where the decoder reads them
#: (``oracle.binary.decode``).
IMMEDIATE_KINDS = frozenset({
    "",                 # no immediates
    "blocktype",        # block, loop, if, try: (blocktype,)
    "labelidx",         # (labelidx,)
    "br_table",         # (labels: tuple[int, ...], default)
    "funcidx", "typeidx", "tagidx", "localidx", "globalidx", "tableidx", "elemidx", "dataidx",
    "call_indirect",    # binary: typeidx tableidx; args (tableidx, typeidx)
    "select_t",         # (types: tuple[ValType, ...],)
    "try_table",        # (blocktype, catches: tuple[(kind, tagidx | None, labelidx), ...])
    "memarg",           # (MemArg,)
    "memarg_lane",      # (MemArg, laneidx)
    "memidx",           # memory.size/grow/fill: (memidx,); a zero byte before multi-memory
    "memory.copy",      # (dst memidx, src memidx)
    "memory.init",      # binary: dataidx memidx; args (memidx, dataidx)
    "table.copy",       # (dst tableidx, src tableidx)
    "table.init",       # binary: elemidx tableidx; args (tableidx, elemidx)
    "i32", "i64",       # (unsigned bit pattern,)
    "f32", "f64",       # (float in the value model,)
    "v128",             # (int,)
    "shuffle",          # (16 lane indices,)
    "laneidx",          # (laneidx,): one byte
    "heaptype",         # ref.null: (heaptype,)
    # GC (0xFB prefix)
    "struct_field",     # struct.get/set: (typeidx, fieldidx)
    "array.new_fixed",  # (typeidx, n)
    "type_data",        # array.new_data, array.init_data: (typeidx, dataidx)
    "type_elem",        # array.new_elem, array.init_elem: (typeidx, elemidx)
    "type_type",        # array.copy: (dst typeidx, src typeidx)
    "reftype",          # ref.test/ref.cast (ref ht): (RefType(False, ht),)
    "reftype_null",     # ref.test/ref.cast (ref null ht): (RefType(True, ht),)
    "br_on_cast",       # binary: flags labelidx ht1 ht2; args (labelidx, RefType rt1, RefType rt2)
    # threads (0xFE prefix)
    "atomic.fence",     # a reserved zero byte (the memory order); args ()
})


class InstrInfo(NamedTuple):
    opcode: Opcode
    name: str
    immediates: str
    feature: str | None


_TABLE = """
# -- Control instructions (binary/instructions.rst, "Control Instructions") ----------------------------------------
0x00        unreachable                         -               -
0x01        nop                                 -               -
0x02        block                               blocktype       -
0x03        loop                                blocktype       -
0x04        if                                  blocktype       -
0x05        else                                -               -
0x06        try                                 blocktype       legacy-exceptions
0x07        catch                               tagidx          legacy-exceptions
0x08        throw                               tagidx          exceptions
0x09        rethrow                             labelidx        legacy-exceptions
0x0A        throw_ref                           -               exceptions
0x0B        end                                 -               -
0x0C        br                                  labelidx        -
0x0D        br_if                               labelidx        -
0x0E        br_table                            br_table        -
0x0F        return                              -               -
0x10        call                                funcidx         -
0x11        call_indirect                       call_indirect   -
0x12        return_call                         funcidx         tail-call
0x13        return_call_indirect                call_indirect   tail-call
0x14        call_ref                            typeidx         function-references
0x15        return_call_ref                     typeidx         function-references
0x18        delegate                            labelidx        legacy-exceptions
0x19        catch_all                           -               legacy-exceptions
# -- Parametric instructions -------------------------------------------------------------------------------------
0x1A        drop                                -               -
0x1B        select                              -               -
0x1C        select                              select_t        reference-types
0x1F        try_table                           try_table       exceptions
# -- Variable instructions ---------------------------------------------------------------------------------------
0x20        local.get                           localidx        -
0x21        local.set                           localidx        -
0x22        local.tee                           localidx        -
0x23        global.get                          globalidx       -
0x24        global.set                          globalidx       -
# -- Table instructions ------------------------------------------------------------------------------------------
0x25        table.get                           tableidx        reference-types
0x26        table.set                           tableidx        reference-types
# -- Memory instructions -----------------------------------------------------------------------------------------
0x28        i32.load                            memarg          -
0x29        i64.load                            memarg          -
0x2A        f32.load                            memarg          -
0x2B        f64.load                            memarg          -
0x2C        i32.load8_s                         memarg          -
0x2D        i32.load8_u                         memarg          -
0x2E        i32.load16_s                        memarg          -
0x2F        i32.load16_u                        memarg          -
0x30        i64.load8_s                         memarg          -
0x31        i64.load8_u                         memarg          -
0x32        i64.load16_s                        memarg          -
0x33        i64.load16_u                        memarg          -
0x34        i64.load32_s                        memarg          -
0x35        i64.load32_u                        memarg          -
0x36        i32.store                           memarg          -
0x37        i64.store                           memarg          -
0x38        f32.store                           memarg          -
0x39        f64.store                           memarg          -
0x3A        i32.store8                          memarg          -
0x3B        i32.store16                         memarg          -
0x3C        i64.store8                          memarg          -
0x3D        i64.store16                         memarg          -
0x3E        i64.store32                         memarg          -
0x3F        memory.size                         memidx          -
0x40        memory.grow                         memidx          -
# -- Numeric instructions ----------------------------------------------------------------------------------------
0x41        i32.const                           i32             -
0x42        i64.const                           i64             -
0x43        f32.const                           f32             -
0x44        f64.const                           f64             -
0x45        i32.eqz                             -               -
0x46        i32.eq                              -               -
0x47        i32.ne                              -               -
0x48        i32.lt_s                            -               -
0x49        i32.lt_u                            -               -
0x4A        i32.gt_s                            -               -
0x4B        i32.gt_u                            -               -
0x4C        i32.le_s                            -               -
0x4D        i32.le_u                            -               -
0x4E        i32.ge_s                            -               -
0x4F        i32.ge_u                            -               -
0x50        i64.eqz                             -               -
0x51        i64.eq                              -               -
0x52        i64.ne                              -               -
0x53        i64.lt_s                            -               -
0x54        i64.lt_u                            -               -
0x55        i64.gt_s                            -               -
0x56        i64.gt_u                            -               -
0x57        i64.le_s                            -               -
0x58        i64.le_u                            -               -
0x59        i64.ge_s                            -               -
0x5A        i64.ge_u                            -               -
0x5B        f32.eq                              -               -
0x5C        f32.ne                              -               -
0x5D        f32.lt                              -               -
0x5E        f32.gt                              -               -
0x5F        f32.le                              -               -
0x60        f32.ge                              -               -
0x61        f64.eq                              -               -
0x62        f64.ne                              -               -
0x63        f64.lt                              -               -
0x64        f64.gt                              -               -
0x65        f64.le                              -               -
0x66        f64.ge                              -               -
0x67        i32.clz                             -               -
0x68        i32.ctz                             -               -
0x69        i32.popcnt                          -               -
0x6A        i32.add                             -               -
0x6B        i32.sub                             -               -
0x6C        i32.mul                             -               -
0x6D        i32.div_s                           -               -
0x6E        i32.div_u                           -               -
0x6F        i32.rem_s                           -               -
0x70        i32.rem_u                           -               -
0x71        i32.and                             -               -
0x72        i32.or                              -               -
0x73        i32.xor                             -               -
0x74        i32.shl                             -               -
0x75        i32.shr_s                           -               -
0x76        i32.shr_u                           -               -
0x77        i32.rotl                            -               -
0x78        i32.rotr                            -               -
0x79        i64.clz                             -               -
0x7A        i64.ctz                             -               -
0x7B        i64.popcnt                          -               -
0x7C        i64.add                             -               -
0x7D        i64.sub                             -               -
0x7E        i64.mul                             -               -
0x7F        i64.div_s                           -               -
0x80        i64.div_u                           -               -
0x81        i64.rem_s                           -               -
0x82        i64.rem_u                           -               -
0x83        i64.and                             -               -
0x84        i64.or                              -               -
0x85        i64.xor                             -               -
0x86        i64.shl                             -               -
0x87        i64.shr_s                           -               -
0x88        i64.shr_u                           -               -
0x89        i64.rotl                            -               -
0x8A        i64.rotr                            -               -
0x8B        f32.abs                             -               -
0x8C        f32.neg                             -               -
0x8D        f32.ceil                            -               -
0x8E        f32.floor                           -               -
0x8F        f32.trunc                           -               -
0x90        f32.nearest                         -               -
0x91        f32.sqrt                            -               -
0x92        f32.add                             -               -
0x93        f32.sub                             -               -
0x94        f32.mul                             -               -
0x95        f32.div                             -               -
0x96        f32.min                             -               -
0x97        f32.max                             -               -
0x98        f32.copysign                        -               -
0x99        f64.abs                             -               -
0x9A        f64.neg                             -               -
0x9B        f64.ceil                            -               -
0x9C        f64.floor                           -               -
0x9D        f64.trunc                           -               -
0x9E        f64.nearest                         -               -
0x9F        f64.sqrt                            -               -
0xA0        f64.add                             -               -
0xA1        f64.sub                             -               -
0xA2        f64.mul                             -               -
0xA3        f64.div                             -               -
0xA4        f64.min                             -               -
0xA5        f64.max                             -               -
0xA6        f64.copysign                        -               -
0xA7        i32.wrap_i64                        -               -
0xA8        i32.trunc_f32_s                     -               -
0xA9        i32.trunc_f32_u                     -               -
0xAA        i32.trunc_f64_s                     -               -
0xAB        i32.trunc_f64_u                     -               -
0xAC        i64.extend_i32_s                    -               -
0xAD        i64.extend_i32_u                    -               -
0xAE        i64.trunc_f32_s                     -               -
0xAF        i64.trunc_f32_u                     -               -
0xB0        i64.trunc_f64_s                     -               -
0xB1        i64.trunc_f64_u                     -               -
0xB2        f32.convert_i32_s                   -               -
0xB3        f32.convert_i32_u                   -               -
0xB4        f32.convert_i64_s                   -               -
0xB5        f32.convert_i64_u                   -               -
0xB6        f32.demote_f64                      -               -
0xB7        f64.convert_i32_s                   -               -
0xB8        f64.convert_i32_u                   -               -
0xB9        f64.convert_i64_s                   -               -
0xBA        f64.convert_i64_u                   -               -
0xBB        f64.promote_f32                     -               -
0xBC        i32.reinterpret_f32                 -               -
0xBD        i64.reinterpret_f64                 -               -
0xBE        f32.reinterpret_i32                 -               -
0xBF        f64.reinterpret_i64                 -               -
0xC0        i32.extend8_s                       -               sign-extension
0xC1        i32.extend16_s                      -               sign-extension
0xC2        i64.extend8_s                       -               sign-extension
0xC3        i64.extend16_s                      -               sign-extension
0xC4        i64.extend32_s                      -               sign-extension
# -- Reference instructions --------------------------------------------------------------------------------------
0xD0        ref.null                            heaptype        reference-types
0xD1        ref.is_null                         -               reference-types
0xD2        ref.func                            funcidx         reference-types
0xD3        ref.eq                              -               gc
0xD4        ref.as_non_null                     -               function-references
0xD5        br_on_null                          labelidx        function-references
0xD6        br_on_non_null                      labelidx        function-references
# -- 0xFB prefix: aggregate (GC) instructions (binary/instructions.rst, "Aggregate Instructions") -----------------
0xFB 0x00   struct.new                          typeidx         gc
0xFB 0x01   struct.new_default                  typeidx         gc
0xFB 0x02   struct.get                          struct_field    gc
0xFB 0x03   struct.get_s                        struct_field    gc
0xFB 0x04   struct.get_u                        struct_field    gc
0xFB 0x05   struct.set                          struct_field    gc
0xFB 0x06   array.new                           typeidx         gc
0xFB 0x07   array.new_default                   typeidx         gc
0xFB 0x08   array.new_fixed                     array.new_fixed gc
0xFB 0x09   array.new_data                      type_data       gc
0xFB 0x0A   array.new_elem                      type_elem       gc
0xFB 0x0B   array.get                           typeidx         gc
0xFB 0x0C   array.get_s                         typeidx         gc
0xFB 0x0D   array.get_u                         typeidx         gc
0xFB 0x0E   array.set                           typeidx         gc
0xFB 0x0F   array.len                           -               gc
0xFB 0x10   array.fill                          typeidx         gc
0xFB 0x11   array.copy                          type_type       gc
0xFB 0x12   array.init_data                     type_data       gc
0xFB 0x13   array.init_elem                     type_elem       gc
0xFB 0x14   ref.test                            reftype         gc
0xFB 0x15   ref.test                            reftype_null    gc
0xFB 0x16   ref.cast                            reftype         gc
0xFB 0x17   ref.cast                            reftype_null    gc
0xFB 0x18   br_on_cast                          br_on_cast      gc
0xFB 0x19   br_on_cast_fail                     br_on_cast      gc
0xFB 0x1A   any.convert_extern                  -               gc
0xFB 0x1B   extern.convert_any                  -               gc
0xFB 0x1C   ref.i31                             -               gc
0xFB 0x1D   i31.get_s                           -               gc
0xFB 0x1E   i31.get_u                           -               gc
# -- 0xFB prefix: custom descriptors (proposals/custom-descriptors/Overview.md, "Binary Format", "Instructions") -
0xFB 0x20   struct.new_desc                     typeidx         custom-descriptors
0xFB 0x21   struct.new_default_desc             typeidx         custom-descriptors
0xFB 0x22   ref.get_desc                        typeidx         custom-descriptors
0xFB 0x23   ref.cast_desc_eq                    reftype         custom-descriptors
0xFB 0x24   ref.cast_desc_eq                    reftype_null    custom-descriptors
0xFB 0x25   br_on_cast_desc_eq                  br_on_cast      custom-descriptors
0xFB 0x26   br_on_cast_desc_eq_fail             br_on_cast      custom-descriptors
# -- 0xFC prefix: saturating truncation, bulk memory and table instructions --------------------------------------
0xFC 0x00   i32.trunc_sat_f32_s                 -               saturating-float-to-int
0xFC 0x01   i32.trunc_sat_f32_u                 -               saturating-float-to-int
0xFC 0x02   i32.trunc_sat_f64_s                 -               saturating-float-to-int
0xFC 0x03   i32.trunc_sat_f64_u                 -               saturating-float-to-int
0xFC 0x04   i64.trunc_sat_f32_s                 -               saturating-float-to-int
0xFC 0x05   i64.trunc_sat_f32_u                 -               saturating-float-to-int
0xFC 0x06   i64.trunc_sat_f64_s                 -               saturating-float-to-int
0xFC 0x07   i64.trunc_sat_f64_u                 -               saturating-float-to-int
0xFC 0x08   memory.init                         memory.init     bulk-memory
0xFC 0x09   data.drop                           dataidx         bulk-memory
0xFC 0x0A   memory.copy                         memory.copy     bulk-memory
0xFC 0x0B   memory.fill                         memidx          bulk-memory
0xFC 0x0C   table.init                          table.init      bulk-memory
0xFC 0x0D   elem.drop                           elemidx         bulk-memory
0xFC 0x0E   table.copy                          table.copy      bulk-memory
0xFC 0x0F   table.grow                          tableidx        reference-types
0xFC 0x10   table.size                          tableidx        reference-types
0xFC 0x11   table.fill                          tableidx        reference-types
# -- 0xFC prefix: wide arithmetic (proposals/wide-arithmetic/Overview.md, "Binary Format") -------------------------
0xFC 0x13   i64.add128                          -               wide-arithmetic
0xFC 0x14   i64.sub128                          -               wide-arithmetic
0xFC 0x15   i64.mul_wide_s                      -               wide-arithmetic
0xFC 0x16   i64.mul_wide_u                      -               wide-arithmetic
# -- 0xFD prefix: vector instructions (binary/instructions.rst, "Vector Instructions") ----------------------------
0xFD 0x00   v128.load                           memarg          simd
0xFD 0x01   v128.load8x8_s                      memarg          simd
0xFD 0x02   v128.load8x8_u                      memarg          simd
0xFD 0x03   v128.load16x4_s                     memarg          simd
0xFD 0x04   v128.load16x4_u                     memarg          simd
0xFD 0x05   v128.load32x2_s                     memarg          simd
0xFD 0x06   v128.load32x2_u                     memarg          simd
0xFD 0x07   v128.load8_splat                    memarg          simd
0xFD 0x08   v128.load16_splat                   memarg          simd
0xFD 0x09   v128.load32_splat                   memarg          simd
0xFD 0x0A   v128.load64_splat                   memarg          simd
0xFD 0x0B   v128.store                          memarg          simd
0xFD 0x0C   v128.const                          v128            simd
0xFD 0x0D   i8x16.shuffle                       shuffle         simd
0xFD 0x0E   i8x16.swizzle                       -               simd
0xFD 0x0F   i8x16.splat                         -               simd
0xFD 0x10   i16x8.splat                         -               simd
0xFD 0x11   i32x4.splat                         -               simd
0xFD 0x12   i64x2.splat                         -               simd
0xFD 0x13   f32x4.splat                         -               simd
0xFD 0x14   f64x2.splat                         -               simd
0xFD 0x15   i8x16.extract_lane_s                laneidx         simd
0xFD 0x16   i8x16.extract_lane_u                laneidx         simd
0xFD 0x17   i8x16.replace_lane                  laneidx         simd
0xFD 0x18   i16x8.extract_lane_s                laneidx         simd
0xFD 0x19   i16x8.extract_lane_u                laneidx         simd
0xFD 0x1A   i16x8.replace_lane                  laneidx         simd
0xFD 0x1B   i32x4.extract_lane                  laneidx         simd
0xFD 0x1C   i32x4.replace_lane                  laneidx         simd
0xFD 0x1D   i64x2.extract_lane                  laneidx         simd
0xFD 0x1E   i64x2.replace_lane                  laneidx         simd
0xFD 0x1F   f32x4.extract_lane                  laneidx         simd
0xFD 0x20   f32x4.replace_lane                  laneidx         simd
0xFD 0x21   f64x2.extract_lane                  laneidx         simd
0xFD 0x22   f64x2.replace_lane                  laneidx         simd
0xFD 0x23   i8x16.eq                            -               simd
0xFD 0x24   i8x16.ne                            -               simd
0xFD 0x25   i8x16.lt_s                          -               simd
0xFD 0x26   i8x16.lt_u                          -               simd
0xFD 0x27   i8x16.gt_s                          -               simd
0xFD 0x28   i8x16.gt_u                          -               simd
0xFD 0x29   i8x16.le_s                          -               simd
0xFD 0x2A   i8x16.le_u                          -               simd
0xFD 0x2B   i8x16.ge_s                          -               simd
0xFD 0x2C   i8x16.ge_u                          -               simd
0xFD 0x2D   i16x8.eq                            -               simd
0xFD 0x2E   i16x8.ne                            -               simd
0xFD 0x2F   i16x8.lt_s                          -               simd
0xFD 0x30   i16x8.lt_u                          -               simd
0xFD 0x31   i16x8.gt_s                          -               simd
0xFD 0x32   i16x8.gt_u                          -               simd
0xFD 0x33   i16x8.le_s                          -               simd
0xFD 0x34   i16x8.le_u                          -               simd
0xFD 0x35   i16x8.ge_s                          -               simd
0xFD 0x36   i16x8.ge_u                          -               simd
0xFD 0x37   i32x4.eq                            -               simd
0xFD 0x38   i32x4.ne                            -               simd
0xFD 0x39   i32x4.lt_s                          -               simd
0xFD 0x3A   i32x4.lt_u                          -               simd
0xFD 0x3B   i32x4.gt_s                          -               simd
0xFD 0x3C   i32x4.gt_u                          -               simd
0xFD 0x3D   i32x4.le_s                          -               simd
0xFD 0x3E   i32x4.le_u                          -               simd
0xFD 0x3F   i32x4.ge_s                          -               simd
0xFD 0x40   i32x4.ge_u                          -               simd
0xFD 0x41   f32x4.eq                            -               simd
0xFD 0x42   f32x4.ne                            -               simd
0xFD 0x43   f32x4.lt                            -               simd
0xFD 0x44   f32x4.gt                            -               simd
0xFD 0x45   f32x4.le                            -               simd
0xFD 0x46   f32x4.ge                            -               simd
0xFD 0x47   f64x2.eq                            -               simd
0xFD 0x48   f64x2.ne                            -               simd
0xFD 0x49   f64x2.lt                            -               simd
0xFD 0x4A   f64x2.gt                            -               simd
0xFD 0x4B   f64x2.le                            -               simd
0xFD 0x4C   f64x2.ge                            -               simd
0xFD 0x4D   v128.not                            -               simd
0xFD 0x4E   v128.and                            -               simd
0xFD 0x4F   v128.andnot                         -               simd
0xFD 0x50   v128.or                             -               simd
0xFD 0x51   v128.xor                            -               simd
0xFD 0x52   v128.bitselect                      -               simd
0xFD 0x53   v128.any_true                       -               simd
0xFD 0x54   v128.load8_lane                     memarg_lane     simd
0xFD 0x55   v128.load16_lane                    memarg_lane     simd
0xFD 0x56   v128.load32_lane                    memarg_lane     simd
0xFD 0x57   v128.load64_lane                    memarg_lane     simd
0xFD 0x58   v128.store8_lane                    memarg_lane     simd
0xFD 0x59   v128.store16_lane                   memarg_lane     simd
0xFD 0x5A   v128.store32_lane                   memarg_lane     simd
0xFD 0x5B   v128.store64_lane                   memarg_lane     simd
0xFD 0x5C   v128.load32_zero                    memarg          simd
0xFD 0x5D   v128.load64_zero                    memarg          simd
0xFD 0x5E   f32x4.demote_f64x2_zero             -               simd
0xFD 0x5F   f64x2.promote_low_f32x4             -               simd
0xFD 0x60   i8x16.abs                           -               simd
0xFD 0x61   i8x16.neg                           -               simd
0xFD 0x62   i8x16.popcnt                        -               simd
0xFD 0x63   i8x16.all_true                      -               simd
0xFD 0x64   i8x16.bitmask                       -               simd
0xFD 0x65   i8x16.narrow_i16x8_s                -               simd
0xFD 0x66   i8x16.narrow_i16x8_u                -               simd
0xFD 0x67   f32x4.ceil                          -               simd
0xFD 0x68   f32x4.floor                         -               simd
0xFD 0x69   f32x4.trunc                         -               simd
0xFD 0x6A   f32x4.nearest                       -               simd
0xFD 0x6B   i8x16.shl                           -               simd
0xFD 0x6C   i8x16.shr_s                         -               simd
0xFD 0x6D   i8x16.shr_u                         -               simd
0xFD 0x6E   i8x16.add                           -               simd
0xFD 0x6F   i8x16.add_sat_s                     -               simd
0xFD 0x70   i8x16.add_sat_u                     -               simd
0xFD 0x71   i8x16.sub                           -               simd
0xFD 0x72   i8x16.sub_sat_s                     -               simd
0xFD 0x73   i8x16.sub_sat_u                     -               simd
0xFD 0x74   f64x2.ceil                          -               simd
0xFD 0x75   f64x2.floor                         -               simd
0xFD 0x76   i8x16.min_s                         -               simd
0xFD 0x77   i8x16.min_u                         -               simd
0xFD 0x78   i8x16.max_s                         -               simd
0xFD 0x79   i8x16.max_u                         -               simd
0xFD 0x7A   f64x2.trunc                         -               simd
0xFD 0x7B   i8x16.avgr_u                        -               simd
0xFD 0x7C   i16x8.extadd_pairwise_i8x16_s       -               simd
0xFD 0x7D   i16x8.extadd_pairwise_i8x16_u       -               simd
0xFD 0x7E   i32x4.extadd_pairwise_i16x8_s       -               simd
0xFD 0x7F   i32x4.extadd_pairwise_i16x8_u       -               simd
0xFD 0x80   i16x8.abs                           -               simd
0xFD 0x81   i16x8.neg                           -               simd
0xFD 0x82   i16x8.q15mulr_sat_s                 -               simd
0xFD 0x83   i16x8.all_true                      -               simd
0xFD 0x84   i16x8.bitmask                       -               simd
0xFD 0x85   i16x8.narrow_i32x4_s                -               simd
0xFD 0x86   i16x8.narrow_i32x4_u                -               simd
0xFD 0x87   i16x8.extend_low_i8x16_s            -               simd
0xFD 0x88   i16x8.extend_high_i8x16_s           -               simd
0xFD 0x89   i16x8.extend_low_i8x16_u            -               simd
0xFD 0x8A   i16x8.extend_high_i8x16_u           -               simd
0xFD 0x8B   i16x8.shl                           -               simd
0xFD 0x8C   i16x8.shr_s                         -               simd
0xFD 0x8D   i16x8.shr_u                         -               simd
0xFD 0x8E   i16x8.add                           -               simd
0xFD 0x8F   i16x8.add_sat_s                     -               simd
0xFD 0x90   i16x8.add_sat_u                     -               simd
0xFD 0x91   i16x8.sub                           -               simd
0xFD 0x92   i16x8.sub_sat_s                     -               simd
0xFD 0x93   i16x8.sub_sat_u                     -               simd
0xFD 0x94   f64x2.nearest                       -               simd
0xFD 0x95   i16x8.mul                           -               simd
0xFD 0x96   i16x8.min_s                         -               simd
0xFD 0x97   i16x8.min_u                         -               simd
0xFD 0x98   i16x8.max_s                         -               simd
0xFD 0x99   i16x8.max_u                         -               simd
0xFD 0x9B   i16x8.avgr_u                        -               simd
0xFD 0x9C   i16x8.extmul_low_i8x16_s            -               simd
0xFD 0x9D   i16x8.extmul_high_i8x16_s           -               simd
0xFD 0x9E   i16x8.extmul_low_i8x16_u            -               simd
0xFD 0x9F   i16x8.extmul_high_i8x16_u           -               simd
0xFD 0xA0   i32x4.abs                           -               simd
0xFD 0xA1   i32x4.neg                           -               simd
0xFD 0xA3   i32x4.all_true                      -               simd
0xFD 0xA4   i32x4.bitmask                       -               simd
0xFD 0xA7   i32x4.extend_low_i16x8_s            -               simd
0xFD 0xA8   i32x4.extend_high_i16x8_s           -               simd
0xFD 0xA9   i32x4.extend_low_i16x8_u            -               simd
0xFD 0xAA   i32x4.extend_high_i16x8_u           -               simd
0xFD 0xAB   i32x4.shl                           -               simd
0xFD 0xAC   i32x4.shr_s                         -               simd
0xFD 0xAD   i32x4.shr_u                         -               simd
0xFD 0xAE   i32x4.add                           -               simd
0xFD 0xB1   i32x4.sub                           -               simd
0xFD 0xB5   i32x4.mul                           -               simd
0xFD 0xB6   i32x4.min_s                         -               simd
0xFD 0xB7   i32x4.min_u                         -               simd
0xFD 0xB8   i32x4.max_s                         -               simd
0xFD 0xB9   i32x4.max_u                         -               simd
0xFD 0xBA   i32x4.dot_i16x8_s                   -               simd
0xFD 0xBC   i32x4.extmul_low_i16x8_s            -               simd
0xFD 0xBD   i32x4.extmul_high_i16x8_s           -               simd
0xFD 0xBE   i32x4.extmul_low_i16x8_u            -               simd
0xFD 0xBF   i32x4.extmul_high_i16x8_u           -               simd
0xFD 0xC0   i64x2.abs                           -               simd
0xFD 0xC1   i64x2.neg                           -               simd
0xFD 0xC3   i64x2.all_true                      -               simd
0xFD 0xC4   i64x2.bitmask                       -               simd
0xFD 0xC7   i64x2.extend_low_i32x4_s            -               simd
0xFD 0xC8   i64x2.extend_high_i32x4_s           -               simd
0xFD 0xC9   i64x2.extend_low_i32x4_u            -               simd
0xFD 0xCA   i64x2.extend_high_i32x4_u           -               simd
0xFD 0xCB   i64x2.shl                           -               simd
0xFD 0xCC   i64x2.shr_s                         -               simd
0xFD 0xCD   i64x2.shr_u                         -               simd
0xFD 0xCE   i64x2.add                           -               simd
0xFD 0xD1   i64x2.sub                           -               simd
0xFD 0xD5   i64x2.mul                           -               simd
0xFD 0xD6   i64x2.eq                            -               simd
0xFD 0xD7   i64x2.ne                            -               simd
0xFD 0xD8   i64x2.lt_s                          -               simd
0xFD 0xD9   i64x2.gt_s                          -               simd
0xFD 0xDA   i64x2.le_s                          -               simd
0xFD 0xDB   i64x2.ge_s                          -               simd
0xFD 0xDC   i64x2.extmul_low_i32x4_s            -               simd
0xFD 0xDD   i64x2.extmul_high_i32x4_s           -               simd
0xFD 0xDE   i64x2.extmul_low_i32x4_u            -               simd
0xFD 0xDF   i64x2.extmul_high_i32x4_u           -               simd
0xFD 0xE0   f32x4.abs                           -               simd
0xFD 0xE1   f32x4.neg                           -               simd
0xFD 0xE3   f32x4.sqrt                          -               simd
0xFD 0xE4   f32x4.add                           -               simd
0xFD 0xE5   f32x4.sub                           -               simd
0xFD 0xE6   f32x4.mul                           -               simd
0xFD 0xE7   f32x4.div                           -               simd
0xFD 0xE8   f32x4.min                           -               simd
0xFD 0xE9   f32x4.max                           -               simd
0xFD 0xEA   f32x4.pmin                          -               simd
0xFD 0xEB   f32x4.pmax                          -               simd
0xFD 0xEC   f64x2.abs                           -               simd
0xFD 0xED   f64x2.neg                           -               simd
0xFD 0xEF   f64x2.sqrt                          -               simd
0xFD 0xF0   f64x2.add                           -               simd
0xFD 0xF1   f64x2.sub                           -               simd
0xFD 0xF2   f64x2.mul                           -               simd
0xFD 0xF3   f64x2.div                           -               simd
0xFD 0xF4   f64x2.min                           -               simd
0xFD 0xF5   f64x2.max                           -               simd
0xFD 0xF6   f64x2.pmin                          -               simd
0xFD 0xF7   f64x2.pmax                          -               simd
0xFD 0xF8   i32x4.trunc_sat_f32x4_s             -               simd
0xFD 0xF9   i32x4.trunc_sat_f32x4_u             -               simd
0xFD 0xFA   f32x4.convert_i32x4_s               -               simd
0xFD 0xFB   f32x4.convert_i32x4_u               -               simd
0xFD 0xFC   i32x4.trunc_sat_f64x2_s_zero        -               simd
0xFD 0xFD   i32x4.trunc_sat_f64x2_u_zero        -               simd
0xFD 0xFE   f64x2.convert_low_i32x4_s           -               simd
0xFD 0xFF   f64x2.convert_low_i32x4_u           -               simd
# -- 0xFD prefix: relaxed vector instructions (WebAssembly 3.0) --------------------------------------------------
0xFD 0x100  i8x16.relaxed_swizzle               -               relaxed-simd
0xFD 0x101  i32x4.relaxed_trunc_f32x4_s         -               relaxed-simd
0xFD 0x102  i32x4.relaxed_trunc_f32x4_u         -               relaxed-simd
0xFD 0x103  i32x4.relaxed_trunc_f64x2_s_zero    -               relaxed-simd
0xFD 0x104  i32x4.relaxed_trunc_f64x2_u_zero    -               relaxed-simd
0xFD 0x105  f32x4.relaxed_madd                  -               relaxed-simd
0xFD 0x106  f32x4.relaxed_nmadd                 -               relaxed-simd
0xFD 0x107  f64x2.relaxed_madd                  -               relaxed-simd
0xFD 0x108  f64x2.relaxed_nmadd                 -               relaxed-simd
0xFD 0x109  i8x16.relaxed_laneselect            -               relaxed-simd
0xFD 0x10A  i16x8.relaxed_laneselect            -               relaxed-simd
0xFD 0x10B  i32x4.relaxed_laneselect            -               relaxed-simd
0xFD 0x10C  i64x2.relaxed_laneselect            -               relaxed-simd
0xFD 0x10D  f32x4.relaxed_min                   -               relaxed-simd
0xFD 0x10E  f32x4.relaxed_max                   -               relaxed-simd
0xFD 0x10F  f64x2.relaxed_min                   -               relaxed-simd
0xFD 0x110  f64x2.relaxed_max                   -               relaxed-simd
0xFD 0x111  i16x8.relaxed_q15mulr_s             -               relaxed-simd
0xFD 0x112  i16x8.relaxed_dot_i8x16_i7x16_s     -               relaxed-simd
0xFD 0x113  i32x4.relaxed_dot_i8x16_i7x16_add_s -               relaxed-simd
# -- 0xFE prefix: atomic memory instructions (threads proposal, proposals/threads/Overview.md) ------------------
0xFE 0x00   memory.atomic.notify                memarg          threads
0xFE 0x01   memory.atomic.wait32                memarg          threads
0xFE 0x02   memory.atomic.wait64                memarg          threads
0xFE 0x03   atomic.fence                        atomic.fence    threads
0xFE 0x10   i32.atomic.load                     memarg          threads
0xFE 0x11   i64.atomic.load                     memarg          threads
0xFE 0x12   i32.atomic.load8_u                  memarg          threads
0xFE 0x13   i32.atomic.load16_u                 memarg          threads
0xFE 0x14   i64.atomic.load8_u                  memarg          threads
0xFE 0x15   i64.atomic.load16_u                 memarg          threads
0xFE 0x16   i64.atomic.load32_u                 memarg          threads
0xFE 0x17   i32.atomic.store                    memarg          threads
0xFE 0x18   i64.atomic.store                    memarg          threads
0xFE 0x19   i32.atomic.store8                   memarg          threads
0xFE 0x1A   i32.atomic.store16                  memarg          threads
0xFE 0x1B   i64.atomic.store8                   memarg          threads
0xFE 0x1C   i64.atomic.store16                  memarg          threads
0xFE 0x1D   i64.atomic.store32                  memarg          threads
0xFE 0x1E   i32.atomic.rmw.add                  memarg          threads
0xFE 0x1F   i64.atomic.rmw.add                  memarg          threads
0xFE 0x20   i32.atomic.rmw8.add_u               memarg          threads
0xFE 0x21   i32.atomic.rmw16.add_u              memarg          threads
0xFE 0x22   i64.atomic.rmw8.add_u               memarg          threads
0xFE 0x23   i64.atomic.rmw16.add_u              memarg          threads
0xFE 0x24   i64.atomic.rmw32.add_u              memarg          threads
0xFE 0x25   i32.atomic.rmw.sub                  memarg          threads
0xFE 0x26   i64.atomic.rmw.sub                  memarg          threads
0xFE 0x27   i32.atomic.rmw8.sub_u               memarg          threads
0xFE 0x28   i32.atomic.rmw16.sub_u              memarg          threads
0xFE 0x29   i64.atomic.rmw8.sub_u               memarg          threads
0xFE 0x2A   i64.atomic.rmw16.sub_u              memarg          threads
0xFE 0x2B   i64.atomic.rmw32.sub_u              memarg          threads
0xFE 0x2C   i32.atomic.rmw.and                  memarg          threads
0xFE 0x2D   i64.atomic.rmw.and                  memarg          threads
0xFE 0x2E   i32.atomic.rmw8.and_u               memarg          threads
0xFE 0x2F   i32.atomic.rmw16.and_u              memarg          threads
0xFE 0x30   i64.atomic.rmw8.and_u               memarg          threads
0xFE 0x31   i64.atomic.rmw16.and_u              memarg          threads
0xFE 0x32   i64.atomic.rmw32.and_u              memarg          threads
0xFE 0x33   i32.atomic.rmw.or                   memarg          threads
0xFE 0x34   i64.atomic.rmw.or                   memarg          threads
0xFE 0x35   i32.atomic.rmw8.or_u                memarg          threads
0xFE 0x36   i32.atomic.rmw16.or_u               memarg          threads
0xFE 0x37   i64.atomic.rmw8.or_u                memarg          threads
0xFE 0x38   i64.atomic.rmw16.or_u               memarg          threads
0xFE 0x39   i64.atomic.rmw32.or_u               memarg          threads
0xFE 0x3A   i32.atomic.rmw.xor                  memarg          threads
0xFE 0x3B   i64.atomic.rmw.xor                  memarg          threads
0xFE 0x3C   i32.atomic.rmw8.xor_u               memarg          threads
0xFE 0x3D   i32.atomic.rmw16.xor_u              memarg          threads
0xFE 0x3E   i64.atomic.rmw8.xor_u               memarg          threads
0xFE 0x3F   i64.atomic.rmw16.xor_u              memarg          threads
0xFE 0x40   i64.atomic.rmw32.xor_u              memarg          threads
0xFE 0x41   i32.atomic.rmw.xchg                 memarg          threads
0xFE 0x42   i64.atomic.rmw.xchg                 memarg          threads
0xFE 0x43   i32.atomic.rmw8.xchg_u              memarg          threads
0xFE 0x44   i32.atomic.rmw16.xchg_u             memarg          threads
0xFE 0x45   i64.atomic.rmw8.xchg_u              memarg          threads
0xFE 0x46   i64.atomic.rmw16.xchg_u             memarg          threads
0xFE 0x47   i64.atomic.rmw32.xchg_u             memarg          threads
0xFE 0x48   i32.atomic.rmw.cmpxchg              memarg          threads
0xFE 0x49   i64.atomic.rmw.cmpxchg              memarg          threads
0xFE 0x4A   i32.atomic.rmw8.cmpxchg_u           memarg          threads
0xFE 0x4B   i32.atomic.rmw16.cmpxchg_u          memarg          threads
0xFE 0x4C   i64.atomic.rmw8.cmpxchg_u           memarg          threads
0xFE 0x4D   i64.atomic.rmw16.cmpxchg_u          memarg          threads
0xFE 0x4E   i64.atomic.rmw32.cmpxchg_u          memarg          threads
"""

#: The prefix bytes whose instructions carry a ``u32`` sub-opcode.
PREFIXES = (0xFB, 0xFC, 0xFD, 0xFE)


def _parse(table: str) -> tuple[InstrInfo, ...]:
    rows = []
    for line in table.splitlines():
        if not line or line.startswith("#"):
            continue
        *codes, name, imm, feature = line.split()
        opcode: Opcode = int(codes[0], 16) if len(codes) == 1 else (int(codes[0], 16), int(codes[1], 16))
        rows.append(InstrInfo(opcode, name, "" if imm == "-" else imm, None if feature == "-" else feature))
    return tuple(rows)


#: Every instruction, in opcode order.
INSTRUCTIONS: tuple[InstrInfo, ...] = _parse(_TABLE)

BY_OPCODE: dict[Opcode, InstrInfo] = {info.opcode: info for info in INSTRUCTIONS}

#: By mnemonic; the first row wins, so ``"select"`` is the untyped 0x1B.
BY_NAME: dict[str, InstrInfo] = {}
for _info in INSTRUCTIONS:
    BY_NAME.setdefault(_info.name, _info)
del _info

assert len(BY_OPCODE) == len(INSTRUCTIONS), "duplicate opcode in the instruction table"
assert all(info.immediates in IMMEDIATE_KINDS for info in INSTRUCTIONS)
