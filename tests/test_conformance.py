"""The conformance runner, run as the CLI on the shared Kubernetes vectors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest


def _run(*files: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "infra_toolkit.conformance", *map(str, files)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_every_shared_vector_passes(shared_dir: Path) -> None:
    done = _run(shared_dir / "hpa" / "vectors.json")
    assert done.stdout.splitlines()[-1] == "126 passed, 0 failed", done.stdout
    assert done.stdout.strip() == "126 passed, 0 failed"  # no FAIL line either
    assert done.returncode == 0


def test_cases_of_other_shapes_transcribed_from_the_go_tests_pass() -> None:
    # ContainerResource metrics, hot-CPU pods, per-container samples (see the file's sources).
    done = _run(Path(__file__).parent / "data" / "hpa" / "extra_vectors.json")
    assert done.stdout.strip() == "6 passed, 0 failed"
    assert done.returncode == 0


def test_a_wrong_expectation_prints_the_case_and_exits_1(
    shared_dir: Path, tmp_path: Path
) -> None:
    document = json.loads((shared_dir / "hpa" / "vectors.json").read_text())
    case = next(c for c in document["cases"] if c["name"] == "hz/scale-up")
    # The Go test expects 5 replicas (50 % over a 30 % target on 3 pods); claim 6 instead.
    case = {**case, "name": "broken/scale-up", "expected": {**case["expected"], "desired_replicas": 6}}
    document["cases"] = [case]
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps(document))

    done = _run(wrong)

    lines = done.stdout.splitlines()
    assert lines[0].startswith("FAIL broken/scale-up: expected ")
    assert '"desired_replicas": 6' in lines[0]
    assert 'got {"desired_replicas": 5' in lines[0]
    assert lines[-1] == "0 passed, 1 failed"
    assert done.returncode == 1


def test_several_files_are_counted_together(shared_dir: Path) -> None:
    vectors = shared_dir / "hpa" / "vectors.json"
    done = _run(vectors, vectors)
    assert done.stdout.strip() == "252 passed, 0 failed"
    assert done.returncode == 0


@pytest.mark.parametrize("content", ["{not json", None])
def test_an_unreadable_file_is_a_usage_error(tmp_path: Path, content: str | None) -> None:
    path = tmp_path / "vectors.json"
    if content is not None:
        path.write_text(content)
    done = _run(path)
    assert done.returncode == 2
    assert f"cannot read vectors from {path}" in done.stderr
