"""Modules of the text format (spec ``text/modules.rst``; grammar ``6.4-text.modules.spectec``).

``parse_module`` reads ``(module id? field*)`` (or the fields alone) into the ``oracle.syntax.module.Module`` the
decoder would produce for the module's binary encoding. Two passes, as the identifier context must be known before
any index can be resolved (``text/modules.rst``, "Modules": ``I = (idc(field))*``):

1. bind the identifiers of every definition, in order, per index space (inline imports, the data segment of
   ``(memory (data ...))`` and the element segment of ``(table reftype (elem ...))`` included), and read the type
   definitions;
2. read every field in order; inline type uses append their implicit types at the end, in order of appearance.

Abbreviations expanded (``text/modules.rst``): inline ``(export ...)``/``(import ...)`` in definitions (the
export/import takes the definition's place in the module's order); ``(memory (data ...))`` (``min = max =``
pages needed, an active segment at offset 0); ``(table reftype (elem ...))``; ``(offset instr)`` written as a
folded instruction, ``(item instr)`` likewise; ``(elem offset funcidx*)``, ``func funcidx*`` element lists (type
``(ref func)``, or ``funcref`` without function references, as the decoder reads function-index segments).

Choices where the binary format is free: a table without initialiser keeps ``init = None`` (not the equivalent
``ref.null``), ``rec_types`` is filled only with the ``gc`` feature (as the decoder does), and ``data_count`` is set
(to the number of data segments) only when code uses a data index, where a binary needs it.
"""
from __future__ import annotations

from ..features import WASM_3_0, Features
from ..binary.custom_sections import name_section
from ..syntax.module import Data, Elem, Export, Func, Global, Import, Instr, Mem, Module, Table
from ..syntax.types import (DEFAULT_PAGE_SIZE, FUNCREF, I32, FuncType, GlobalType, Limits, MemType, RecType, RefType,
                            SubType, TableType)
from .annot_pass import HINT, NAME, Annotations
from .annotations import custom_section, present_sections, settle
from .hint_annotations import HintedBody, branch_hint_section
from .instructions import FuncBody, out_of_order
from .lexer import SExpr, TextError, Token, read_sexprs
from .types import (Cursor, IdContext, unexpected, addrtype, decls, is_reftype, limits, reftype, sub, subtype,
                    valtype)
from .values import parse_name, parse_u

_DEF_KINDS = {"func": "func", "table": "table", "memory": "memory", "global": "global", "tag": "tag"}


def datastring(cur: Cursor) -> bytes:
    """``datastring`` (``text/modules.rst``, "Data Segments"): the rest of the list, strings only, concatenated."""
    out = b""
    while not cur.at_end():
        t = cur.next_token()
        if t.kind != "string":
            raise t.error("unexpected token")
        out += t.value  # type: ignore[operator]
    return out
_EXPORT_KINDS = {"func": "func", "table": "table", "memory": "mem", "global": "global", "tag": "tag"}
_USES_DATA = ("memory.init", "data.drop", "array.new_data", "array.init_data")
_FIELDS = ("type", "rec", "import", "func", "table", "memory", "global", "tag", "export", "start", "elem", "data")


def parse_module(src: bytes | str | list, features: Features = WASM_3_0, file: str = "<text>") -> Module:
    """A module from its text: ``(module id? field*)`` or the fields alone (``src`` may also be already grouped
    items, as the script reader passes them). Raises ``TextError`` with file, line and column."""
    if isinstance(src, list):
        return _module_of_items(src, features)
    try:
        items = read_sexprs(src, file)
    except TextError as e:
        if e.items_before:
            # A ``)`` closing nothing: record the error of the complete fields before it, if any (the 2.0
            # reference interpreter reported that one; ``messages.py``).
            try:
                _module_of_items(e.items_before, features)
            except TextError as inner:
                e.fields_error = inner
        raise
    return _module_of_items(items, features)


def _module_of_items(items: list, features: Features) -> Module:
    if len(items) == 1 and isinstance(items[0], SExpr) and items[0].head == "module":
        node = items[0]
        cur = sub(node)
        cur.optional_id()
        fields = node[cur.pos:]
    else:
        fields = items
    return ModuleParser(features).module(fields)


class ModuleParser:
    """One module's fields to a ``Module``: ``bind_all`` (pass 1), then one ``field_<kind>`` method per field."""

    def __init__(self, features: Features):
        self.features = features
        self.ctx = IdContext(features)
        self.m = Module()
        self.recs: list[RecType] = []
        self.uses_data = False
        self.annots = Annotations(features)
        self.hints: dict[int, list[tuple[int, int]]] = {}   # defined function -> its branch hints

    def func_index_elem_type(self) -> RefType:
        # What the decoder gives a segment of function indices.
        return RefType(False, "func") if "function-references" in self.features else FUNCREF

    # -- pass 1 --------------------------------------------------------------------------------------------------

    def module(self, fields: list) -> Module:
        nodes: list[SExpr] = []
        customs = []
        for f in fields:
            if isinstance(f, SExpr) and f.head == "@custom":
                customs.append(custom_section(f))
                continue
            if isinstance(f, SExpr) and f.head in (NAME, HINT):
                self.annots.module_field(f, after_field=bool(nodes))
                continue
            if not isinstance(f, SExpr) or f.head not in _FIELDS:
                raise _field_error(f)
            nodes.append(self.annots.field(f))
        self.bind_all(nodes)
        for node in nodes:
            getattr(self, "field_" + node.head)(node)
        m = self.m
        all_recs = self.recs + [RecType((SubType(True, (), ft),)) for ft in self.ctx.implicit]
        m.types = [st.comp for rec in all_recs for st in rec.subtypes]
        if "gc" in self.features:
            m.rec_types = all_recs
        if self.uses_data:
            m.data_count = len(m.datas)
        if self.hints:
            customs.append(branch_hint_section(m, self.hints))
        names = self.annots.name_section(nodes, m)
        if not names.is_empty():
            customs.append(name_section(names))
        settle(customs, present_sections(m))
        m.customs = customs
        return m

    def bind_all(self, nodes: list[SExpr]) -> None:
        """Pass 1: identifiers of every index space, then the type definitions (which may refer to any type
        identifier)."""
        ctx = self.ctx
        defined: str | None = None  # the first kind defined (not imported): imports must come before
        for node in nodes:
            head = node.head
            cur = sub(node)
            if head == "type":
                ctx.bind("type", cur.optional_id())
            elif head == "rec":
                for t in node[1:]:
                    if not (isinstance(t, SExpr) and t.head == "type"):
                        raise unexpected(t)
                    ctx.bind("type", sub(t).optional_id())
            elif head == "import":
                if defined is not None:
                    raise node.error(f"import after {defined}")
                c = sub(node, 3)
                desc = c.peek()
                if not isinstance(desc, SExpr) or desc.head not in _DEF_KINDS:
                    raise c.error("unexpected token")
                ctx.bind(_DEF_KINDS[desc.head], sub(desc).optional_id())
            elif head in _DEF_KINDS:
                name = cur.optional_id()
                while cur.peek_head("export"):
                    cur.next()
                imported = cur.peek_head("import")
                # $ordered (text/modules.rst, "Modules"): no import after the first definition of a tag, global,
                # memory, table or function.
                if imported and defined is not None:
                    raise node.error(f"import after {defined}")
                if not imported and defined is None:
                    defined = {"func": "function"}.get(head, head)
                ctx.bind(head, name)
                if head == "memory" and any(isinstance(it, SExpr) and it.head == "data" for it in node[1:]):
                    ctx.bind("data", None)
                if head == "table" and any(isinstance(it, SExpr) and it.head == "elem" for it in node[1:]):
                    ctx.bind("elem", None)
            elif head in ("elem", "data"):
                ctx.bind(head, cur.optional_id())
        for node in nodes:
            if node.head == "type":
                self.recs.append(RecType((self.typedef(node),)))
            elif node.head == "rec":
                self.recs.append(RecType(tuple(self.typedef(t) for t in node[1:])))
        for rec in self.recs:
            for i in range(len(rec.subtypes)):
                ctx.typedefs.append((rec, i))
        ctx.explicit_types = len(ctx.typedefs)

    def typedef(self, node: SExpr) -> SubType:
        cur = sub(node)
        cur.optional_id()
        x = len(self.ctx.fields)
        names: dict[str, int] = {}
        self.ctx.fields[x] = names
        st = subtype(cur.next(), self.ctx, names, cur)
        cur.end()
        return st

    # -- pass 2: fields ------------------------------------------------------------------------------------------

    def field_type(self, node: SExpr) -> None:
        pass  # read in pass 1

    field_rec = field_type

    def exports(self, cur: Cursor, kind: str, index: int) -> None:
        """Inline ``(export "name")``s of a definition."""
        while cur.peek_head("export"):
            c = sub(cur.next())
            self.m.exports.append(Export(parse_name(c.next_token()), _EXPORT_KINDS[kind], index))
            c.end()

    def inline_import(self, cur: Cursor) -> tuple[str, str] | None:
        if not cur.peek_head("import"):
            return None
        c = sub(cur.next())
        names = (parse_name(c.next_token()), parse_name(c.next_token()))
        c.end()
        return names

    def typeuse(self, cur: Cursor) -> tuple[int, list]:
        """``typeuse`` with parameter names: ``(type x)? (param ...)* (result ...)*`` (``text/types.rst``, "Type
        Uses"); returns the type index and one name token (or None) per parameter."""
        ctx = self.ctx
        x = None
        if cur.peek_head("type"):
            c = sub(cur.next())
            x = ctx.index(c.next_token(), "type")
            c.end()
        names: list = []
        params = decls(cur, "param", ctx, valtype, names)
        results = decls(cur, "result", ctx, valtype)
        out_of_order(cur)
        ft = FuncType(tuple(params), tuple(results))
        if x is None:
            return ctx.implicit_type(ft), names
        known = ctx.functype(x)
        if params or results:
            if x >= ctx.explicit_types:
                raise cur.items[cur.pos - 1].error("unknown type")
            if known != ft:
                raise cur.items[cur.pos - 1].error("inline function type")
        elif known is not None:
            names = [None] * len(known.params)
        return x, names

    def field_import(self, node: SExpr) -> None:
        cur = sub(node)
        module, name = parse_name(cur.next_token()), parse_name(cur.next_token())
        desc = cur.next()
        cur.end()
        c = sub(desc)
        c.optional_id()
        self.import_desc(module, name, desc.head, c)
        c.end()

    def import_desc(self, module: str, name: str, kind: str, cur: Cursor) -> None:
        if kind == "func":
            if cur.peek_head("exact") and "custom-descriptors" in self.features:
                # ``exacttypeuse ::= (exact typeuse)`` (custom descriptors overview, "Exact Function Imports").
                c = sub(cur.next())
                x = self.typeuse(c)[0]
                c.end()
                self.m.imports.append(Import(module, name, "func", x, exact=True))
                return
            self.m.imports.append(Import(module, name, "func", self.typeuse(cur)[0]))
        elif kind == "tag":
            self.m.imports.append(Import(module, name, "tag", self.typeuse(cur)[0]))
        elif kind == "table":
            self.m.imports.append(Import(module, name, "table", self.tabletype(cur)))
        elif kind == "memory":
            self.m.imports.append(Import(module, name, "mem", self.memtype(cur)))
        else:
            self.m.imports.append(Import(module, name, "global", self.globaltype(cur)))

    def tabletype(self, cur: Cursor) -> TableType:
        at = addrtype(cur) or I32
        lim = limits(cur, 64 if "memory64" in self.features else 32)
        return TableType(Limits(lim.min, lim.max, at), reftype(cur.next(), self.ctx))

    def memtype(self, cur: Cursor) -> MemType:
        """``addrtype? limits share? mempagesize?`` (custom page sizes overview, "Text Format")."""
        at = addrtype(cur) or I32
        lim = limits(cur, 64 if "memory64" in self.features else 32)
        shared = False
        if cur.peek_keyword("shared", "unshared"):
            shared = cur.next().value == "shared"
        return MemType(Limits(lim.min, lim.max, at), shared, self.pagesize(cur))

    def pagesize(self, cur: Cursor) -> int:
        """``mempagesize ::= '(' 'pagesize' u32 ')'``, optional, 65,536 when absent (custom page sizes overview,
        "Text Format"). The binary format can only express powers of two, so another value is malformed ("invalid
        custom page size", ``custom-page-sizes-invalid.wast``: ``(pagesize 3)``, ``(pagesize 0)``); validation
        decides which powers of two are allowed."""
        if "custom-page-sizes" not in self.features or not cur.peek_head("pagesize"):
            return DEFAULT_PAGE_SIZE
        node = cur.next()
        c = sub(node)
        tok = c.next_token()
        n = parse_u(tok, 32)
        c.end()
        if n == 0 or n & (n - 1):
            raise tok.error("invalid custom page size")
        return n

    def globaltype(self, cur: Cursor) -> GlobalType:
        it = cur.next()
        if isinstance(it, SExpr) and it.head == "mut":
            c = sub(it)
            t = valtype(c.next(), self.ctx)
            c.end()
            return GlobalType(True, t)
        return GlobalType(False, valtype(it, self.ctx))

    def _count(self, kind: str) -> int:
        """The index the next definition (or import) of ``kind`` gets."""
        if kind == "func":
            return len(self.m.imports_of("func")) + len(self.m.funcs)
        if kind == "table":
            return len(self.m.imports_of("table")) + len(self.m.tables)
        if kind == "memory":
            return len(self.m.imports_of("mem")) + len(self.m.mems)
        if kind == "global":
            return len(self.m.imports_of("global")) + len(self.m.globals)
        return len(self.m.imports_of("tag")) + len(self.m.tags)

    def _definition(self, node: SExpr) -> tuple[Cursor, bool]:
        """Common start of a definition: id, inline exports, inline import (then read here)."""
        cur = sub(node)
        cur.optional_id()
        self.exports(cur, node.head, self._count(node.head))
        names = self.inline_import(cur)
        if names is not None:
            self.import_desc(names[0], names[1], node.head, cur)
            cur.end()
            return cur, True
        return cur, False

    def field_func(self, node: SExpr) -> None:
        cur, imported = self._definition(node)
        if imported:
            return
        x, names = self.typeuse(cur)
        local_names: dict[str, int] = {}
        for i, n in enumerate(names):
            if n is not None:
                if n.value in local_names:
                    raise n.error("duplicate local")
                local_names[n.value] = i
        lnames: list = []
        local_types = decls(cur, "local", self.ctx, valtype, lnames)
        for i, n in enumerate(lnames):
            if n is not None:
                if n.value in local_names:
                    raise n.error("duplicate local")
                local_names[n.value] = len(names) + i
        if id(node) in self.annots.hinted:
            reader = HintedBody(self.ctx, local_names)
            body = self.expr(cur, reader=reader)
            if reader.hints:
                self.hints[len(self.m.funcs)] = reader.hints
        else:
            body = self.expr(cur, local_names)
        self.m.funcs.append(Func(x, local_types, body))

    def expr(self, cur: Cursor, local_names: dict[str, int] | None = None,
             reader: FuncBody | None = None) -> list[Instr]:
        body = (reader or FuncBody(self.ctx, local_names)).expr(cur)
        if not self.uses_data and any(i.op in _USES_DATA for i in body):
            self.uses_data = True
        return body

    def field_global(self, node: SExpr) -> None:
        cur, imported = self._definition(node)
        if imported:
            return
        gt = self.globaltype(cur)
        self.m.globals.append(Global(gt, self.expr(cur)))

    def field_tag(self, node: SExpr) -> None:
        cur, imported = self._definition(node)
        if imported:
            return
        self.m.tags.append(self.typeuse(cur)[0])
        cur.end()

    def field_memory(self, node: SExpr) -> None:
        cur, imported = self._definition(node)
        if imported:
            return
        at = addrtype(cur)
        start = cur.pos
        pagesize = self.pagesize(cur)
        if cur.peek_head("data"):
            # ``'(' 'memory' id? mempagesize? '(' 'data' ...`` (custom page sizes overview, "Text Format"): the
            # pages needed are pages of the memory's own size.
            c = sub(cur.next())
            init = datastring(c)
            cur.end()
            pages = -(-len(init) // pagesize)
            x = self._count("memory")
            self.m.mems.append(Mem(MemType(Limits(pages, pages, at or I32), False, pagesize)))
            offset = [Instr(f"{at or I32}.const", (0,)), Instr("end")]
            self.m.datas.append(Data(init, "active", x, offset))
            return
        cur.pos = start - (at is not None)
        mt = self.memtype(cur)
        cur.end()
        self.m.mems.append(Mem(mt))

    def field_table(self, node: SExpr) -> None:
        cur, imported = self._definition(node)
        if imported:
            return
        at = addrtype(cur)
        if is_reftype(cur.peek()):
            rt = reftype(cur.next(), self.ctx)
            elem_node = cur.next()
            if not (isinstance(elem_node, SExpr) and elem_node.head == "elem"):
                raise unexpected(elem_node)
            cur.end()
            c = sub(elem_node)
            x = self._count("table")
            if c.peek_token("id") or c.peek_token("num") or c.peek_keyword("func"):
                if c.peek_keyword("func"):
                    c.next()
                # Function indices inside a table: the segment has the table's element type (as wabt and
                # wasm-tools encode it; ``(ref func)`` would not match a table of a concrete function type).
                etype, init = rt, self.func_index_elems(c)[1]
            elif is_reftype(c.peek()):
                etype, init = self.elemlist(c)
            else:
                etype, init = rt, self.elem_exprs(c)
            n = len(init)
            self.m.tables.append(Table(TableType(Limits(n, n, at or I32), rt)))
            offset = [Instr(f"{at or I32}.const", (0,)), Instr("end")]
            self.m.elems.append(Elem(etype, init, "active", x, offset))
            return
        if at is not None:
            cur.pos -= 1
        tt = self.tabletype(cur)
        init = self.expr(cur) if not cur.at_end() else None
        self.m.tables.append(Table(tt, init))

    def field_export(self, node: SExpr) -> None:
        cur = sub(node)
        name = parse_name(cur.next_token())
        desc = cur.next()
        cur.end()
        if not isinstance(desc, SExpr) or desc.head not in _EXPORT_KINDS:
            raise unexpected(desc)
        c = sub(desc)
        x = self.ctx.index(c.next_token(), _DEF_KINDS[desc.head])
        c.end()
        self.m.exports.append(Export(name, _EXPORT_KINDS[desc.head], x))

    def field_start(self, node: SExpr) -> None:
        if self.m.start is not None:
            raise node.error("multiple start sections")
        cur = sub(node)
        self.m.start = self.ctx.index(cur.next_token(), "func")
        cur.end()

    # -- segments ------------------------------------------------------------------------------------------------

    def offset(self, cur: Cursor) -> list[Instr]:
        """``(offset expr)`` or a single folded instruction."""
        node = cur.next()
        if not isinstance(node, SExpr):
            raise unexpected(node)
        if node.head == "offset":
            return self.expr(sub(node))
        return self.expr(Cursor([node], node))

    def func_index_elems(self, cur: Cursor) -> tuple[RefType, list]:
        init = []
        while not cur.at_end():
            init.append([Instr("ref.func", (self.ctx.index(cur.next_token(), "func"),)), Instr("end")])
        return self.func_index_elem_type(), init

    def elem_exprs(self, cur: Cursor) -> list:
        init = []
        while not cur.at_end():
            node = cur.next()
            if not isinstance(node, SExpr):
                cur.pos -= 1
                raise cur.error("unexpected token")
            init.append(self.expr(sub(node)) if node.head == "item" else self.expr(Cursor([node], node)))
        return init

    def elemlist(self, cur: Cursor) -> tuple[RefType, list]:
        """``elemlist``: ``reftype elemexpr*`` or ``func funcidx*``."""
        if cur.peek_keyword("func"):
            cur.next()
            return self.func_index_elems(cur)
        rt = reftype(cur.next(), self.ctx)
        return rt, self.elem_exprs(cur)

    def field_elem(self, node: SExpr) -> None:
        cur = sub(node)
        cur.optional_id()
        if cur.peek_keyword("declare"):
            cur.next()
            rt, init = self.elemlist(cur)
            self.m.elems.append(Elem(rt, init, "declarative"))
            return
        table = None
        if cur.peek_head("table"):
            c = sub(cur.next())
            table = self.ctx.index(c.next_token(), "table")
            c.end()
        elif cur.peek_token("num"):
            table = self.ctx.index(cur.next_token(), "table")  # the older ``(elem 0 (offset ...) ...)``
        it = cur.peek()
        if table is not None or (isinstance(it, SExpr) and not is_reftype(it)):
            offset = self.offset(cur)
            if cur.peek_token("id") or cur.peek_token("num") or cur.at_end():
                rt, init = self.func_index_elems(cur)
            else:
                rt, init = self.elemlist(cur)
            self.m.elems.append(Elem(rt, init, "active", table or 0, offset))
            return
        rt, init = self.elemlist(cur)
        self.m.elems.append(Elem(rt, init, "passive"))

    def field_data(self, node: SExpr) -> None:
        cur = sub(node)
        cur.optional_id()
        mem = None
        if cur.peek_head("memory"):
            c = sub(cur.next())
            mem = self.ctx.index(c.next_token(), "memory")
            c.end()
        elif cur.peek_token("num"):
            mem = self.ctx.index(cur.next_token(), "memory")  # the older ``(data 0 (offset ...) ...)``
        if mem is not None or isinstance(cur.peek(), SExpr):
            offset = self.offset(cur)
            self.m.datas.append(Data(datastring(cur), "active", mem or 0, offset))
            return
        self.m.datas.append(Data(datastring(cur), "passive"))


def _field_error(f) -> TextError:
    if isinstance(f, SExpr):
        head = f[0] if f else None
        return head.unexpected() if isinstance(head, Token) else f.error("unexpected token")
    return f.unexpected()


__all__ = ["parse_module", "ModuleParser", "TextError"]
