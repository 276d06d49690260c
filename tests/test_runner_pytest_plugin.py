"""The pytest plugin, run in a separate pytest process (with the fake engine registered by a conftest there)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).parent
DATA = TESTS / "data"
COMMIT = "b592bd4ba39951ed28cbdf71ba7267dc846f3cf8"

CONFTEST = f"""
import sys
sys.path.insert(0, {str(TESTS)!r})
from helpers.fake_engine import make_fake
from wast_runner.engines import ENGINES
ENGINES["fake"] = make_fake
"""


@pytest.fixture
def project(tmp_path):
    (tmp_path / "conftest.py").write_text(CONFTEST)
    (tmp_path / "pytest.ini").write_text("[pytest]\ntestpaths = tests\n")
    (tmp_path / "tests").mkdir()
    shutil.copy(DATA / "pass.wast", tmp_path / "tests" / "pass.wast")   # must not be collected by accident
    (tmp_path / "tests" / "test_nothing.py").write_text("def test_ok():\n    pass\n")
    return tmp_path


def pytest_run(project: Path, *args: str) -> subprocess.CompletedProcess:
    # Load exactly these plugins whether or not the package is installed (an installed entry point plus ``-p``
    # would register the plugin twice).
    env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", "WAST_RUNNER_CACHE": str(project / "cache"),
           "WAST_TESTSUITE_PATH": str(project / "ts"),
           "PYTHONPATH": os.pathsep.join([str(TESTS.parent), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "xdist.plugin", "-p", "wast_runner.pytest_plugin", "-p",
                           "no:cacheprovider", "--wast-engine", "fake", "--rootdir", str(project), *args],
                          cwd=project, env=env, capture_output=True, text=True)


def test_explicit_files_one_item_each_failures_named_with_file_and_line(project):
    (project / "w").mkdir()
    for name in ("pass.wast", "fail.wast"):
        shutil.copy(DATA / name, project / "w" / name)
    r = pytest_run(project, "w/pass.wast", "w/fail.wast", "-q")
    assert r.returncode == 1, r.stdout + r.stderr
    assert "1 failed, 1 passed" in r.stdout
    where = project / "w" / "fail.wast"
    assert f"{where}:10: assert_return: failed: result 0: expected i32:2; got i32:1" in r.stdout
    assert f"{where}:20: assert_invalid: failed: module loaded" in r.stdout
    assert "fail.wast: 12 of 13 commands failed" in r.stdout
    assert "FAILED w/fail.wast::fail.wast" in r.stdout


def test_unknown_engine_is_a_usage_error(project):
    r = pytest_run(project, str(DATA / "pass.wast"), "--wast-engine", "nope")
    assert r.returncode == 4 and "unknown engine 'nope'" in r.stderr


def test_wast_files_under_tests_are_not_collected(project):
    r = pytest_run(project, "-q")
    assert r.returncode == 0 and "1 passed" in r.stdout, r.stdout
    r = pytest_run(project, "tests", "--collect-only", "-q")
    assert "pass.wast" not in r.stdout


def make_suite(project: Path) -> None:
    root = project / "ts" / COMMIT
    root.mkdir(parents=True)
    for name in ("pass.wast", "fail.wast"):
        shutil.copy(DATA / name, root / name)


def test_suite_with_xdist(project):
    make_suite(project)
    r = pytest_run(project, "--wast-suite", "wasm-2.0", "-n", "2", "-q")
    assert r.returncode == 1, r.stdout + r.stderr
    assert "1 failed, 1 passed" in r.stdout      # only the suite: testpaths are not added
    assert "FAILED wasm-2.0/fail.wast::fail.wast" in r.stdout


def test_suite_with_xdist_dist_loadfile(project):
    """``--dist loadfile`` groups items by their file: each .wast file is an item of its own file, so the scheduler
    can still spread them over the workers, and the fail list works as without xdist."""
    make_suite(project)
    r = pytest_run(project, "--wast-suite", "wasm-2.0", "-n", "2", "--dist", "loadfile", "-v")
    assert r.returncode == 1, r.stdout + r.stderr
    assert "1 failed, 1 passed" in r.stdout
    assert "PASSED wasm-2.0/pass.wast::pass.wast" in r.stdout and "FAILED wasm-2.0/fail.wast::fail.wast" in r.stdout
    assert "fail.wast: 12 of 13 commands failed" in r.stdout
    ids = [f"fail.wast:{line}:assert_return" for line in range(10, 18)] + [
        "fail.wast:18:assert_trap", "fail.wast:19:assert_trap", "fail.wast:20:assert_invalid",
        "fail.wast:21:assert_return"]
    (project / "fails.txt").write_text("\n".join(ids) + "\n")
    r = pytest_run(project, "--wast-suite", "wasm-2.0", "-n", "2", "--dist", "loadfile", "--wast-fail-list",
                   str(project / "fails.txt"), "-q")
    assert r.returncode == 0 and "2 passed" in r.stdout, r.stdout + r.stderr


def test_fail_list(project):
    make_suite(project)
    ids = [f"fail.wast:{line}:assert_return" for line in range(10, 18)] + [
        "fail.wast:18:assert_trap", "fail.wast:19:assert_trap", "fail.wast:20:assert_invalid",
        "fail.wast:21:assert_return"]
    fl = project / "fails.txt"
    fl.write_text("\n".join(ids) + "\n")
    r = pytest_run(project, "--wast-suite", "wasm-2.0", "--wast-fail-list", str(fl), "-q")
    assert r.returncode == 0 and "2 passed" in r.stdout, r.stdout
    fl.write_text("\n".join(ids) + "\npass.wast:15:assert_return\n")
    r = pytest_run(project, "--wast-suite", "wasm-2.0", "--wast-fail-list", str(fl), "-q")
    assert r.returncode == 1
    assert "listed as failing but passes: remove it" in r.stdout


def test_unknown_suite_is_a_usage_error(project):
    r = pytest_run(project, "--wast-suite", "nope")
    assert r.returncode == 4 and "unknown suite 'nope'" in r.stderr
