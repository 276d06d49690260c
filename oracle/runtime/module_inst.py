"""Module instances (spec ``exec/runtime.rst``, "Module Instances")."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..syntax.types import FuncType


@dataclass
class ModuleInst:
    types: list[FuncType]
    funcs: list = field(default_factory=list)      # FuncInst | HostFunc, imports first
    tables: list = field(default_factory=list)     # TableInst
    mems: list = field(default_factory=list)       # MemInst
    globals: list = field(default_factory=list)    # GlobalInst
    tags: list = field(default_factory=list)
    elems: list[list] = field(default_factory=list)  # element instances: lists of references ([] once dropped)
    datas: list[bytes] = field(default_factory=list)  # data instances (b"" once dropped)
    exports: dict[str, Any] = field(default_factory=dict)
    namespace: dict = field(default_factory=dict)  # globals of this instance's compiled code
    store: Any = None
