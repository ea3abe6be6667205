"""Hostile inputs found by fuzzing the CLI (fuzz19): each is one error at its file and field,
never a Python traceback or a silently wrong number."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra_toolkit import cli

DB = ("{type: aws_db_instance, name: main, engine: postgres, instance_class: db.t3.medium, "
      "allocated_storage: 100, region: us-east-1}")


def _cost(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    status = cli.main(["cost", str(path)])
    captured = capsys.readouterr()
    return status, captured.out + captured.err


@pytest.mark.parametrize("written", ["[aws_db_instance]", "{a: 1}"])
def test_a_resource_type_written_as_a_list_or_mapping_is_named(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], written: str) -> None:
    # was TypeError: unhashable type (the type looked up in the schemas as a key)
    path = tmp_path / "res.yaml"
    path.write_text(f"resources:\n  - {DB}\n  - {{type: {written}, name: x}}\n")
    status, text = _cost(path, capsys)
    assert status == 2
    assert str(path) in text
    assert "resources[1].type:" in text and "is not a supported resource type" in text
    assert "Traceback" not in text and "unhashable" not in text


@pytest.mark.parametrize("written", ["[main]", "{a: 1}"])
def test_a_db_instance_name_written_as_a_list_or_mapping_is_named(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], written: str) -> None:
    # was TypeError: unhashable type in the read replicas' source lookup, before the name check
    path = tmp_path / "res.yaml"
    db = DB.replace("name: main", f"name: {written}")
    path.write_text(f"resources:\n  - {db}\n")
    status, text = _cost(path, capsys)
    assert status == 2
    assert str(path) in text
    assert "resources[0].name:" in text and "non-empty string name" in text
    assert "unhashable" not in text


DATA = Path(__file__).parent / "data"


def test_simulate_names_the_hpa_file_of_a_metric_the_model_cannot_produce(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # was "error: HPA 'checkout' spec.metrics[0] (Resource gpu) cannot be simulated ...", no file
    hpa = tmp_path / "hpa.yaml"
    hpa.write_text((DATA / "hpa" / "behavior-partial.yaml").read_text().replace("name: cpu",
                                                                              "name: gpu"))
    traffic = tmp_path / "t.csv"
    traffic.write_text("timestamp,requests_per_second\n0,10\n300,10\n")
    status = cli.main(["simulate", "--traffic", str(traffic), "--hpa", str(hpa),
                       "--capacity-rps-per-pod", "25", "--cpu-millicores-per-rps", "10"])
    err = capsys.readouterr().err
    assert status == 2
    assert err.startswith(f"error: {hpa}: HPA 'checkout' spec.metrics[0] (Resource gpu) cannot be "
                          "simulated; supported: Resource cpu and memory")
