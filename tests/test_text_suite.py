"""The text parser against the official suites: every script parses (``oracle.text.script``), every text-form
module equals the decoding of the binary the runner's converter made of it, and every ``assert_malformed`` of a
``module quote`` is rejected. One test per .wast file of wasm-3.0 and wasm-2.0; skipped when the suite is absent.

Run as a program (``python tests/test_text_suite.py``) it prints the counts of the whole measurement."""
from __future__ import annotations

import sys
from collections import Counter

import pytest

from oracle.binary.decode import decode_module
from oracle.errors import Malformed
from oracle.text.script import Assertion, ScriptModule, parse_script

from text_helpers import converted, module_key, suite_wast_files

SUITES = ("wasm-3.0", "wasm-2.0")
FILES = [(s, p, rel) for s in SUITES for p, rel in suite_wast_files(s)]


def normalised(m):
    """The module as compared: custom sections and the data count (encoding choices) left out."""
    m.data_count = None
    return module_key(m, customs=False)


def check_file(suite: str, path, rel: str) -> tuple[Counter, list[str]]:
    from wast_runner.suites import get_manifest
    features = get_manifest(suite).feature_set
    counts: Counter = Counter()
    problems: list[str] = []
    commands = parse_script(path.read_bytes(), rel)
    counts["files_parsed"] += 1
    conv = converted(suite, path, rel)
    by_line: dict[int, list] = {}
    if conv is not None:
        for c in conv.commands():
            by_line.setdefault(c.line, []).append(c)
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
                if not e.message.startswith(cmd.message or ""):
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
        if not theirs:
            counts["no_binary"] += 1
            counts[f"no_binary_{kind}"] += 1
            continue
        try:
            ref = decode_module(conv.module_bytes(theirs[0].filename), features)
        except Malformed:
            counts["binary_malformed"] += 1
            continue
        if normalised(ours) == normalised(ref):
            counts["agree"] += 1
        else:
            counts["disagree"] += 1
            problems.append(f"{where}: {kind}: module differs from {conv.converter}'s binary")
    return counts, problems


@pytest.mark.skipif(not FILES, reason="no official suite found (set WAST_TESTSUITE_PATH)")
@pytest.mark.parametrize("suite,path,rel", FILES, ids=[f"{s}/{rel}" for s, _, rel in FILES])
def test_suite_file(suite, path, rel):
    counts, problems = check_file(suite, path, rel)
    assert not problems, "\n".join(problems[:30])


if __name__ == "__main__":
    total: Counter = Counter()
    verbose = "-v" in sys.argv
    for suite, path, rel in FILES:
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
    print(dict(total))
