"""The command line pointed at PostgreSQL: --registry postgresql://... wherever a store is taken."""

from __future__ import annotations

from typer.testing import CliRunner

from linewise.cli import app
from linewise.store.store import Store
from linewise.synth import generate_registry


def test_import_info_and_run_on_postgres(pg_url, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # rejects files of a server store go to the working directory
    generate_registry(tmp_path / "reg", 80, seed=21)
    runner = CliRunner()
    res = runner.invoke(app, ["import", str(tmp_path / "reg"), "--registry", pg_url])
    assert res.exit_code == 0, res.output
    assert Store.open(pg_url, create=False).count("patients") == 80
    res = runner.invoke(app, ["info", "--registry", pg_url])
    assert res.exit_code == 0, res.output
    assert "80 patients" in res.output
    res = runner.invoke(app, ["run", "tdm1_treatment_sequences", "--registry", pg_url, "--out", str(tmp_path / "c")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "c" / "results.json").exists()
