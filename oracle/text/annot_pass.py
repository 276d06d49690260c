"""Name and branch hint annotations of a module's fields, found before the fields are read.

``@name`` (spec ``appendix/custom.rst``, "Name Annotations"; feature ``annotations``): ``(@name "string")`` right
after the keyword, or the identifier, of a binder -- the module, a function (definition or import), a parameter
or local declaring exactly one, a type, a structure field, a tag. Each becomes an entry of the name section
(``oracle.binary.custom_sections.NameSection``, written after the last section).

``@metadata.code.branch_hint`` (branch hinting overview, "Annotations"; feature ``branch-hinting``): only inside a
function, at most one per instruction; it stays in the function's instruction list for
``oracle.text.hint_annotations.HintedBody``.

Without its feature an annotation is dropped, as the lexer drops every other annotation. The lexer marks the lists
holding one (``annotated``), so only those are walked (and copied, never changed in place: a script's module may
be read twice). Messages: the reference interpreter's (``interpreter/custom/handler_name.ml``,
``handler_branch_hint.ml``) where ``custom/name_annot.wast`` and ``custom/branch_hint.wast`` pin them; where we
place names the reference does not (locals, types, fields), ours.
"""
from __future__ import annotations

from ..binary.custom_sections import HINT_PREFIX, NameSection
from ..features import Features
from .lexer import SExpr, Token

NAME = "@name"
HINT = "@metadata.code.branch_hint"
#: Binders a name annotation may follow, and the message for a second one on the same binder.
_NAMEABLE = {"func": "function", "tag": "tag", "type": "type", "param": "local", "local": "local",
             "field": "field"}


def _name_of(node: SExpr) -> str:
    """The string of ``(@name "string")``."""
    if len(node) < 2 or not isinstance(node[1], Token) or node[1].kind != "string":
        raise node.error("@name annotation: string expected")
    if len(node) > 2:
        raise node[2].error("@name annotation: unexpected token")  # type: ignore[union-attr]
    try:
        return node[1].value.decode("utf-8")  # type: ignore[union-attr]
    except UnicodeDecodeError:
        raise node[1].error("malformed UTF-8 encoding") from None


class Annotations:
    """What the annotations of one module's fields say: ``module_name``, the name given to each binder list
    (by ``id``), the functions holding branch hints (by ``id``)."""

    def __init__(self, features: Features):
        self.names_on = "annotations" in features
        self.hints_on = "branch-hinting" in features
        self.module_name: str | None = None
        self.names: dict[int, str] = {}
        self.hinted: set[int] = set()
        self._hint_seen = False

    # -- module level --------------------------------------------------------------------------------------------

    def module_field(self, node: SExpr, after_field: bool) -> None:
        """A name or hint annotation among the module's fields: a module name before every field."""
        if node.head == HINT:
            if self.hints_on:
                raise node.error(f"{HINT_PREFIX} annotation: not in a function")
            return
        if not self.names_on:
            return
        if after_field:
            raise node.error("misplaced @name annotation")
        name = _name_of(node)
        if self.module_name is not None:
            raise node.error("@name annotation: multiple module names")
        self.module_name = name

    def field(self, node: SExpr) -> SExpr:
        """A module field with its name annotations taken out (recorded) and its branch hints kept or dropped."""
        if not getattr(node, "annotated", False):
            return node
        self._hint_seen = False
        out = self._walk(node, in_func=node.head == "func")
        if self._hint_seen and out.head == "func":
            self.hinted.add(id(out))
        return out

    def _walk(self, node: SExpr, in_func: bool) -> SExpr:
        kept: list = []
        named = False
        for k, it in enumerate(node):
            if isinstance(it, SExpr) and it.head == NAME:
                if self.names_on:
                    self._name(node, k, it, named)
                    named = True
                continue
            if isinstance(it, SExpr) and it.head == HINT:
                if not self.hints_on:
                    continue
                if not in_func:
                    raise it.error(f"{HINT_PREFIX} annotation: not in a function")
                if kept and isinstance(kept[-1], SExpr) and kept[-1].head == HINT:
                    raise it.error(f"{HINT_PREFIX} annotation: duplicate annotation")
                self._hint_seen = True
            elif isinstance(it, SExpr) and getattr(it, "annotated", False):
                it = self._walk(it, in_func or it.head == "func")
            kept.append(it)
        out = SExpr(node.open, kept, node.close)
        if id(node) in self.names:
            self.names[id(out)] = self.names.pop(id(node))
        return out

    def _name(self, node: SExpr, k: int, ann: SExpr, named: bool) -> None:
        """``ann`` is item ``k`` of ``node``: directly after the binder's keyword or identifier."""
        head = node.head
        if named and head in _NAMEABLE:
            raise ann.error(f"@name annotation: multiple {_NAMEABLE[head]} names")
        after_id = k == 2 and isinstance(node[1], Token) and node[1].kind == "id"
        if head not in _NAMEABLE or not (k == 1 or after_id):
            raise ann.error("misplaced @name annotation")
        if head in ("param", "local", "field"):
            declared = [it for it in node[k + 1:] if not (isinstance(it, SExpr) and it.head in (NAME, HINT))]
            if len(declared) != 1:   # "only ... on a declaration that declares exactly one" (appendix)
                raise ann.error("misplaced @name annotation")
        self.names[id(node)] = _name_of(ann)

    # -- the name section ------------------------------------------------------------------------------------------

    def name_section(self, fields: list[SExpr], m) -> NameSection:
        """The names, by index: functions and tags count imports first (the text order, as imports must come
        first), parameters then locals (a function's parameters from its type when it declares none)."""
        ns = NameSection(self.module_name)
        if not self.names:
            return ns
        counts = {"func": 0, "tag": 0}
        defined = 0
        n_types = 0
        for f in fields:
            head = f.head
            if head in ("type", "rec"):
                for t in ([f] if head == "type" else f[1:]):
                    self._type_names(t, n_types, ns)
                    n_types += 1
                continue
            node = f
            if head == "import":
                node = f[3] if len(f) > 3 and isinstance(f[3], SExpr) else f
                head = node.head
            if head not in counts:
                continue
            x = counts[head]
            counts[head] += 1
            if id(node) in self.names:
                (ns.funcs if head == "func" else ns.tags)[x] = self.names[id(node)]
            if head == "func":
                imported = f.head == "import" or any(isinstance(it, SExpr) and it.head == "import" for it in f)
                n_params = None
                if not imported:
                    fn = m.funcs[defined]
                    defined += 1
                    n_params = len(m.types[fn.typeidx].params)
                self._local_names(node, x, n_params, ns)
        return ns

    def _local_names(self, node: SExpr, x: int, n_params: int | None, ns: NameSection) -> None:
        k = 0
        for word in ("param", "local"):
            if word == "local" and n_params is not None:
                k = n_params
            for it in node:
                if not (isinstance(it, SExpr) and it.head == word):
                    continue
                if id(it) in self.names:
                    ns.locals.setdefault(x, {})[k] = self.names[id(it)]
                named = len(it) > 1 and isinstance(it[1], Token) and it[1].kind == "id"
                k += 1 if named or id(it) in self.names else len(it) - 1

    def _type_names(self, t: SExpr, x: int, ns: NameSection) -> None:
        if id(t) in self.names:
            ns.types[x] = self.names[id(t)]
        k = 0
        for node in _fields_of(t):
            if id(node) in self.names:
                ns.fields.setdefault(x, {})[k] = self.names[id(node)]
            named = len(node) > 1 and isinstance(node[1], Token) and node[1].kind == "id"
            k += 1 if named or id(node) in self.names else len(node) - 1


def _fields_of(node: SExpr) -> list[SExpr]:
    """The ``(field ...)`` lists of a type definition, in order (inside ``sub`` and ``struct``)."""
    out = []
    for it in node[1:]:
        if isinstance(it, SExpr):
            out.extend([it] if it.head == "field" else _fields_of(it) if it.head in ("sub", "struct") else [])
    return out

