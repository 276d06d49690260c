"""Suite manifests, the testsuite search path, and fetching (with a local archive instead of the network)."""
from __future__ import annotations

import hashlib
import io
import os
import tarfile
from pathlib import Path

import pytest

from oracle.features import WASM_2_0, WASM_3_0
from wast_runner import suites
from wast_runner.suites import (SuiteError, find_suite, get_manifest, glob_match, is_excluded, locate, manifests,
                                suite_files, suite_for_path)

C2 = "b592bd4ba39951ed28cbdf71ba7267dc846f3cf8"
C3 = "193e551ff22663995b1ac95dc62344133669e14b"


def make_checkout(root: Path, commit: str, files: list[str]) -> Path:
    for rel in files:
        p = root / commit / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("(module)\n")
    return root / commit


def test_shipped_manifests():
    ms = manifests()
    assert {"wasm-2.0", "multi-memory", "memory64", "wasm-3.0", "exceptions-legacy"} <= set(ms)
    w2 = ms["wasm-2.0"]
    assert w2.commit == C2 and w2.folder == "." and w2.include == ("*.wast",) and w2.expected_files == 147
    assert w2.feature_set == WASM_2_0 and w2.converters == ("wast2json",) and w2.supported
    assert ms["wasm-3.0"].commit == C3 and ms["wasm-3.0"].feature_set == WASM_3_0
    assert ms["multi-memory"].folder == "proposals/multi-memory"
    assert ms["memory64"].folder == "proposals/memory64"
    assert ms["exceptions-legacy"].folder == "legacy" and "legacy-exceptions" in ms["exceptions-legacy"].features


def test_unknown_suite_lists_known_names():
    with pytest.raises(SuiteError, match="unknown suite 'nope'; known suites: .*wasm-2.0"):
        get_manifest("nope")


def test_missing_suite_says_where_it_looked(env, monkeypatch):
    monkeypatch.setenv("WAST_TESTSUITE_PATH", f"{env / 'a'}{os.pathsep}{env / 'b'}")
    with pytest.raises(SuiteError) as e:
        locate(get_manifest("multi-memory"))
    msg = str(e.value)
    assert str(env / "a" / C2 / "proposals/multi-memory") in msg
    assert str(env / "b" / C2 / "proposals/multi-memory") in msg
    assert str(env / "cache" / "testsuite" / C2 / "proposals/multi-memory") in msg
    assert "wast-runner suites fetch multi-memory" in msg


def test_search_path_order_then_cache(env, monkeypatch):
    make_checkout(env / "second", C2, ["a.wast"])
    monkeypatch.setenv("WAST_TESTSUITE_PATH", f"{env / 'first'}{os.pathsep}{env / 'second'}")
    assert find_suite(get_manifest("wasm-2.0")) == (env / "second" / C2).resolve()
    make_checkout(env / "first", C2, ["a.wast"])
    assert find_suite(get_manifest("wasm-2.0")) == (env / "first" / C2).resolve()
    monkeypatch.setenv("WAST_TESTSUITE_PATH", "")
    assert find_suite(get_manifest("wasm-2.0")) is None
    make_checkout(env / "cache" / "testsuite", C2, ["a.wast"])
    assert find_suite(get_manifest("wasm-2.0")) == (env / "cache" / "testsuite" / C2).resolve()


def test_suite_files_globs_and_excludes(env):
    root = make_checkout(env, C2, ["a.wast", "b.wast", "c.txt", "proposals/multi-memory/x.wast"])
    m = get_manifest("wasm-2.0")
    assert [rel for _, rel in suite_files(m, root)] == ["a.wast", "b.wast"]   # top level only
    assert [rel for _, rel in suite_files(m, root, ("b.*",))] == ["a.wast"]


def test_glob_match():
    assert glob_match("a.wast", "*.wast")
    assert not glob_match("dir/a.wast", "*.wast")          # "*" stays within a folder
    assert glob_match("dir/a.wast", "**/*.wast") and glob_match("a.wast", "**/*.wast")
    assert glob_match("simd_f32x4.wast", "simd_*") and not glob_match("simd_f32x4.wast", "simd_[!f]*")
    assert is_excluded("dir/skip-stack-guard-page.wast", ("skip-*",))   # matches the name too


def test_suite_for_path_prefers_the_deepest_folder(env, monkeypatch):
    make_checkout(env, C2, ["a.wast", "proposals/multi-memory/load0.wast"])
    monkeypatch.setenv("WAST_TESTSUITE_PATH", str(env))
    m, root = suite_for_path(env / C2 / "proposals/multi-memory/load0.wast")
    assert m.name == "multi-memory" and root == (env / C2 / "proposals/multi-memory").resolve()
    assert suite_for_path(env / C2 / "a.wast")[0].name == "wasm-2.0"
    assert suite_for_path(env / "elsewhere.wast") is None


@pytest.mark.parametrize("name", sorted(manifests()))
def test_real_suites_file_counts(name):
    """Every suite found on this machine's search path (``WAST_TESTSUITE_PATH``, the cache) has the files its
    manifest counts."""
    m = get_manifest(name)
    try:
        root = locate(m)
    except SuiteError as e:
        pytest.skip(f"suite {name} not found: {e}")
    assert len(suite_files(m, root)) == m.expected_files, m.name


# -- fetch -----------------------------------------------------------------------------------------------------

def make_archive(top: str, files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for rel, data in files.items():
            info = tarfile.TarInfo(f"{top}/{rel}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


class FakeResponse(io.BytesIO):
    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()


def serve(monkeypatch, data: bytes, seen: list):
    def urlopen(url, timeout=None):
        seen.append(url)
        return FakeResponse(data)
    monkeypatch.setattr(suites.urllib.request, "urlopen", urlopen)


def test_fetch_unpacks_into_the_cache(env, monkeypatch):
    data = make_archive(f"testsuite-{C2}", {"a.wast": b"(module)", "proposals/multi-memory/b.wast": b"(module)"})
    seen: list = []
    serve(monkeypatch, data, seen)
    root = suites.fetch(get_manifest("multi-memory"), log=lambda *a: None)
    assert seen == [f"https://github.com/WebAssembly/testsuite/archive/{C2}.tar.gz"]
    assert root == (env / "cache" / "testsuite" / C2 / "proposals/multi-memory").resolve()
    assert (root / "b.wast").read_bytes() == b"(module)"
    # found now: a second fetch downloads nothing
    suites.fetch(get_manifest("wasm-2.0"), log=lambda *a: None)
    assert len(seen) == 1


def test_fetch_rejects_a_wrong_top_folder(env, monkeypatch):
    serve(monkeypatch, make_archive("testsuite-main", {"a.wast": b""}), [])
    with pytest.raises(SuiteError, match="top folder is not testsuite-" + C2):
        suites.fetch(get_manifest("wasm-2.0"), log=lambda *a: None)
    assert not (env / "cache" / "testsuite" / C2).exists()


def test_fetch_checks_a_pinned_sha256(env, monkeypatch):
    data = make_archive(f"testsuite-{C2}", {"a.wast": b""})
    serve(monkeypatch, data, [])
    m = get_manifest("wasm-2.0")
    bad = suites.Manifest(**{**m.__dict__, "archive_sha256": "0" * 64})
    with pytest.raises(SuiteError, match="does not match"):
        suites.fetch(bad, log=lambda *a: None)
    good = suites.Manifest(**{**m.__dict__, "archive_sha256": hashlib.sha256(data).hexdigest()})
    assert suites.fetch(good, log=lambda *a: None) == (env / "cache" / "testsuite" / C2).resolve()


def test_bad_manifest_is_a_clear_error():
    with pytest.raises(SuiteError, match="needs name and commit"):
        suites._parse_manifest('name = "x"\n', "x.toml")
    with pytest.raises(SuiteError, match="full 40-digit hash"):
        suites._parse_manifest('name = "x"\ncommit = "abc"\n', "x.toml")
    with pytest.raises(SuiteError, match="unknown feature"):
        suites._parse_manifest(f'name = "x"\ncommit = "{C2}"\nfeatures = ["simd", "teleport"]\n', "x.toml")
