"""The run date: kept out of results.json (byte-identical reruns), shown from run_info.json."""

import json

from linewise.report.example import example_results
from linewise.report.inputs import load_results


def test_run_date_read_from_run_info_when_its_hash_matches(tmp_path):
    results = example_results(n=60)
    results["provenance"].pop("run_date", None)
    path = tmp_path / "results.json"
    path.write_text(json.dumps(results), encoding="utf-8")
    assert "run_date" not in load_results(tmp_path)["provenance"]
    import hashlib

    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    (tmp_path / "run_info.json").write_text(json.dumps({"results_sha256": digest, "run_date": "2026-11-22T01:00:00Z"}))
    assert load_results(tmp_path)["provenance"]["run_date"] == "2026-11-22T01:00:00Z"
    (tmp_path / "run_info.json").write_text(json.dumps({"results_sha256": "0" * 64, "run_date": "2026-11-22T01:00:00Z"}))
    assert "run_date" not in load_results(tmp_path)["provenance"]  # belongs to another run
