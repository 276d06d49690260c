"""``run --shard K/N`` and ``wast-runner merge``: a split every machine computes alike, balanced, and parts that
merge back into exactly the records of an unsharded run; merge refuses parts that are not one complete split."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from wast_runner.cli import main
from wast_runner.drive.jobs import suite_jobs
from wast_runner.drive.shard import job_key, load_weights, split, weight
from wast_runner.results import read_results
from wast_runner.suites import SuiteError, get_manifest, locate


def wasm_3_0() -> Path:
    try:
        return locate(get_manifest("wasm-3.0"))
    except SuiteError as e:
        pytest.skip(f"suite wasm-3.0 not found: {e}")


def test_the_split_of_wasm_3_0_is_disjoint_complete_deterministic_and_balanced(runner_cache):
    wasm_3_0()
    jobs = suite_jobs("wasm-3.0")
    parts = split(jobs, 3)
    assert parts == split(list(jobs), 3)
    keys = [job_key(j) for part in parts for j in part]
    assert sorted(keys) == sorted(job_key(j) for j in jobs) and len(set(keys)) == len(keys)
    weights = load_weights()
    assert all(job_key(j) in weights for j in jobs), "suites/timings.json lacks wasm-3.0 files"
    loads = [sum(weight(j, weights) for j in part) for part in parts]
    assert max(loads) <= 1.25 * min(loads)


def sorted_records(path: Path) -> list[dict]:
    return sorted(read_results(path), key=lambda r: (r["suite"] or "", r["file"], r["line"], r["kind"], r["id"]))


def test_shards_merged_give_exactly_the_unsharded_records(runner_cache, tmp_path, capsys):
    """On a part of wasm-3.0 (its files a* to c*; the whole suite is measured in docs/ci-example.md)."""
    root = wasm_3_0()
    files = sorted(str(p) for p in root.glob("[a-c]*.wast"))
    assert len(files) > 6
    whole = tmp_path / "all.jsonl"
    assert main(["run", *files, "-q", "--results", str(whole)]) == 0
    parts = []
    for k in (1, 2, 3):
        part = tmp_path / f"part{k}.jsonl"
        assert main(["run", *files, "-q", "--shard", f"{k}/3", "--results", str(part)]) == 0
        parts.append(str(part))
    merged = tmp_path / "merged.jsonl"
    capsys.readouterr()
    assert main(["merge", *parts, "-o", str(merged)]) == 0
    assert sorted_records(merged) == sorted_records(whole)
    assert all(json.loads(Path(p + ".shard.json").read_text())["files"] for p in parts)

    # Not one complete split: a part missing, a part given twice, a part that stopped early.
    assert main(["merge", parts[0], parts[1], "-o", str(merged)]) == 2
    assert "missing part 3" in capsys.readouterr().err
    assert main(["merge", parts[0], parts[0], parts[1], parts[2], "-o", str(merged)]) == 2
    assert "given twice" in capsys.readouterr().err
    lines = Path(parts[2]).read_text().splitlines()
    last_file = json.loads(lines[-1])["file"]
    Path(parts[2]).write_text("".join(line + "\n" for line in lines if json.loads(line)["file"] != last_file))
    assert main(["merge", *parts, "-o", str(merged)]) == 2
    assert "did part 3 finish?" in capsys.readouterr().err


def test_overlapping_parts_are_refused(tmp_path, capsys):
    for k in (1, 2):
        (tmp_path / f"p{k}.jsonl").write_text("")
        (tmp_path / f"p{k}.jsonl.shard.json").write_text(json.dumps(
            {"format": "wast-runner-shard", "version": 1, "shard": k, "of": 2, "files": ["s/a.wast"]}))
    assert main(["merge", str(tmp_path / "p1.jsonl"), str(tmp_path / "p2.jsonl"), "-o", str(tmp_path / "m")]) == 2
    assert "the parts overlap" in capsys.readouterr().err


def test_a_bad_shard_argument_is_a_usage_error(env, capsys):
    assert main(["run", "x.wast", "--shard", "4/3"]) == 2
    assert "--shard takes K/N" in capsys.readouterr().err
