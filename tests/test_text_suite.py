"""The text parser against the official suites: every script parses (``oracle.text.script``), every text-form
module equals the decoding of the binary the runner's converter made of it, and every ``assert_malformed`` of a
``module quote`` is rejected with the suite's message. One test per .wast file of wasm-3.0, wasm-2.0 and the
proposal suites the manifests name (legacy exceptions, threads, multi-memory, memory64, custom page sizes, wide
arithmetic); skipped when absent.

Run as a program (``python tests/test_text_suite.py``) it prints the counts of the whole measurement."""
from __future__ import annotations

import copy
import sys
from collections import Counter

import pytest

from oracle.binary.decode import decode_module
from oracle.binary.encode import encode_module
from oracle.errors import Invalid, Malformed
from oracle.valid.module import validate_module
from oracle.syntax.module import Instr
from oracle.syntax.types import FUNCREF, FuncType
from oracle.text import parse_module
from oracle.text.script import Assertion, ScriptModule, parse_script

from helpers.suites import find_files, file_params, suite_path
from helpers.text import TEXT_SUITES as SUITES, converted, module_key
from wast_runner.suites import get_manifest

verbose_missing = "-v" in sys.argv


#: Modules where the converter's binary differs from the spec's text format, and we follow the spec: wasm-tools
#: 1.262 does not reuse an explicit singular final function type for an implicit type use (``text/types.rst``,
#: "Abbreviations": "the smallest existing type index whose recursive type definition parses into a singular,
#: final function type"; the scripts' own comments say so, e.g. type-rec.wast:45 "the implicit type of $f is $ft").
#: Conversely it reuses a non-final ``(sub (func ...))`` for one (custom-descriptors exact-casts.wast:428, whose
#: ``(result funcref)`` functions it gives type ``$super``), where the spec appends a new final type.
CONVERTER_DIVERGENCES = {
    ("wasm-3.0", "type-rec.wast", 45), ("wasm-3.0", "type-rec.wast", 185), ("wasm-3.0", "type-rec.wast", 197),
    ("wasm-3.0", "type-subtyping.wast", 344), ("wasm-3.0", "type-subtyping.wast", 373),
    ("custom-descriptors", "exact-casts.wast", 428),
}


#: Messages of the 2.0 suite's (older) reference interpreter that 3.0's changed: a lane index out of range was a
#: "malformed lane index", now "i8 constant out of range". The parser gives the 3.0 message.
OLDER_MESSAGES = {("wasm-2.0", "malformed lane index")}


def normalised(m, loose: bool = False):
    """The module as compared: custom sections and the data count (encoding choices) left out. ``loose`` also
    forgets the choices the two converters make differently from each other (and from the reference
    interpreter's encoder): an empty ``else`` (wabt drops it, wasm-tools keeps it), a block type ``(type x)`` of
    type ``[] -> [t?]`` (wabt writes the short form), and the type of an element segment of function indices
    (wabt: ``funcref``, wasm-tools: ``(ref func)``)."""
    m = copy.deepcopy(m)
    m.data_count = None
    if loose:
        for f in m.funcs:
            f.body = _loose_body(f.body, m.types)
        for e in m.elems:
            if all(len(x) == 2 and x[0].op == "ref.func" for x in e.init) and e.type.heap == "func":
                e.type = FUNCREF
    return module_key(m, customs=False)


def _loose_body(body, types):
    out = []
    for i, ins in enumerate(body):
        if ins.op == "else" and i + 1 < len(body) and body[i + 1].op == "end":
            continue
        if ins.op in ("block", "loop", "if") and isinstance(ins.args[0], int) and ins.args[0] < len(types):
            ft = types[ins.args[0]]
            if isinstance(ft, FuncType) and not ft.params and len(ft.results) <= 1:
                ins = Instr(ins.op, (ft.results[0] if ft.results else None,))
        out.append(ins)
    return out


def check_file(suite: str, path, rel: str) -> tuple[Counter, list[str]]:
    features = get_manifest(suite).feature_set
    counts: Counter = Counter()
    problems: list[str] = []
    commands = parse_script(path.read_bytes(), rel)
    counts["files_parsed"] += 1
    conv = converted(suite, rel)
    by_line: dict[int, list] = {}
    conv_modules: list = []  # the converter's commands that carry a module, in order
    if conv is not None:
        for c in conv.commands():
            by_line.setdefault(c.line, []).append(c)
            if c.filename:
                conv_modules.append(c)
    ours_modules = [c for c in commands if isinstance(c, ScriptModule) or isinstance(getattr(c, "module", None),
                                                                                   ScriptModule)]
    # Line numbers can differ (a comment before "(module"): then match the n-th module with the n-th.
    by_order = dict(zip(map(id, ours_modules), conv_modules)) if len(ours_modules) == len(conv_modules) else {}
    if conv is not None:
        check_converter_text(conv, features, rel, counts, problems)
    for cmd in commands:
        mod = cmd if isinstance(cmd, ScriptModule) else getattr(cmd, "module", None)
        if not isinstance(mod, ScriptModule) or mod.form == "binary":
            continue
        kind = cmd.kind if isinstance(cmd, Assertion) else "module"
        where = f"{rel}:{cmd.line}"
        if kind == "assert_malformed":
            counts["malformed"] += 1
            try:
                mod.module(features)
            except Malformed as e:
                counts["malformed_rejected"] += 1
                counts["malformed_message_matches"] += e.message.startswith(cmd.message or "")
                if not e.message.startswith(cmd.message or "") and (suite, cmd.message) not in OLDER_MESSAGES:
                    problems.append(f"{where}: message {e.message!r}, expected {cmd.message!r}")
            else:
                problems.append(f"{where}: malformed module accepted (expected {cmd.message!r})")
            continue
        counts["modules"] += 1
        try:
            ours = mod.module(features)
        except Malformed as e:
            counts["parse_errors"] += 1
            problems.append(f"{where}: {kind}: {e}")
            continue
        theirs = [c for c in by_line.get(mod.line, []) if c.filename and c.filename.endswith(".wasm")]
        if not theirs and id(cmd) in by_order and by_order[id(cmd)].filename.endswith(".wasm"):
            theirs = [by_order[id(cmd)]]
        if not theirs:
            counts["no_binary"] += 1
            counts[f"no_binary_{kind}"] += 1
            problems.append(f"{where}: {kind}: no converter binary") if verbose_missing else None
            continue
        try:
            ref = decode_module(conv.module_bytes(theirs[0].filename), features)
        except Malformed:
            counts["binary_malformed"] += 1
            continue
        data = conv.module_bytes(theirs[0].filename)
        counts["bytes_exact"] += encode_module(ours, features) == data
        _count_validation(counts, kind, cmd, ours, features)
        if normalised(ours) == normalised(ref):
            counts["agree"] += 1
        elif normalised(ours, loose=True) == normalised(ref, loose=True):
            counts["agree_up_to_encoding_choices"] += 1
        elif (suite, rel, mod.line) in CONVERTER_DIVERGENCES:
            counts["converter_divergence"] += 1
        else:
            counts["disagree"] += 1
            problems.append(f"{where}: {kind}: module differs from {conv.converter}'s binary")
    return counts, problems


def check_converter_text(conv, features, rel: str, counts: Counter, problems: list[str]) -> None:
    """The commands the runner skips today: modules the converter left in text form (``.wat``; the
    ``module quote`` forms). Parsed (and validated) here, each must get the script's verdict."""
    for c in conv.commands():
        if not c.is_text_module:
            continue
        counts["runner_text_commands"] += 1
        where = f"{rel}:{c.line}"
        try:
            m = parse_module(conv.module_bytes(c.filename), features, c.filename)
        except Malformed as e:
            if c.kind == "assert_malformed":
                counts["runner_text_verdict_right"] += 1
            else:
                problems.append(f"{where}: converter's text module rejected: {e}")
            continue
        if c.kind == "assert_malformed":
            problems.append(f"{where}: converter's text module accepted, expected {c.text!r}")
            continue
        try:
            validate_module(m, features)
            ok = c.kind != "assert_invalid"
        except Invalid as e:
            ok = c.kind == "assert_invalid" and e.message.startswith(c.text or "")
        counts["runner_text_verdict_right"] += ok
        if not ok:
            problems.append(f"{where}: converter's text module: wrong validation verdict for {c.kind}")


def _count_validation(counts: Counter, kind: str, cmd, module, features) -> None:
    """Counted, not checked here (validation is not this parser's job): whether the oracle's validator gives
    the parsed module the script's verdict."""
    try:
        validate_module(module, features)
    except Invalid as e:
        if kind == "assert_invalid":
            counts["invalid_verdict_right"] += e.message.startswith(cmd.message or "")
        return
    if kind != "assert_invalid":
        counts["valid_verdict_right"] += 1


@pytest.mark.parametrize("suite,rel", file_params(*SUITES))
def test_suite_file(suite: str, rel: str | None) -> None:
    path = suite_path(suite, rel)
    assert rel is not None
    counts, problems = check_file(suite, path, rel)
    assert not problems, "\n".join(problems[:30])


if __name__ == "__main__":
    verbose = "-v" in sys.argv
    for name in SUITES:
        total: Counter = Counter()
        for path, rel in find_files(name)[0]:
            suite = name
            try:
                counts, problems = check_file(suite, path, rel)
            except Exception as e:  # noqa: BLE001 - a tally
                total["files_failed"] += 1
                print(f"{suite}/{rel}: script error: {e}")
                continue
            total.update(counts)
            if verbose:
                for p in problems:
                    print(f"{suite}/{p}")
        print(name, dict(sorted(total.items())))
