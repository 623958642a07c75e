"""Registry profiles: validated and frozen, the default is params.py, the generator takes them
explicitly (same seed + profile -> identical files), ``linewise synth --profile`` and its errors."""

from __future__ import annotations

import dataclasses
import hashlib
import subprocess
import sys

import pandas as pd
import pytest

from linewise.synth import generate_registry
from linewise.synth import params as p
from linewise.synth.figures import FIGURES, PROFILE_EXCEPTIONS, figures_for
from linewise.synth.profile import DEFAULT, PROFILES, ProfileName, RegistryProfile, resolve_profile

CLI = [sys.executable, "-c", "from linewise.cli import main; main()"]


def _digests(folder) -> dict[str, str]:
    return {f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in sorted(folder.iterdir())}


def test_default_profile_is_params():
    assert DEFAULT.cutoff == p.CUTOFF and DEFAULT.n_centres == p.N_CENTRES
    assert DEFAULT.group_counts == p.GROUP_COUNTS and DEFAULT.p_never_tdm1 == p.P_NEVER_TDM1
    assert dict(DEFAULT.dx_window) == p.DX_WINDOW and dict(DEFAULT.pfs_tdm1_median) == p.PFS_TDM1_MEDIAN
    assert dict(DEFAULT.pps_median) == p.PPS_MEDIAN and dict(DEFAULT.orr_tdm1) == p.ORR_TDM1
    assert all(tuple(DEFAULT.subtype_probs[g]) == p.SUBTYPE_PROBS for g in range(6))
    assert DEFAULT.drop_out_per_year == 0 and DEFAULT.p_lost == p.P_LOST


def test_profiles_are_named_and_tied_to_their_study():
    assert [pr.name for pr in PROFILES.values()] == [n.value for n in ProfileName]
    assert {n.value: pr.study for n, pr in PROFILES.items()} == {
        "default": None, "study-a": "A", "study-b": "B", "study-c": "C"}
    assert PROFILES[ProfileName.STUDY_B].n_centres == 1  # Study B: one centre
    # each study's registry ends before its publication (2018, 2019, 2020)
    assert all(PROFILES[n].cutoff < p.day("2020-01-01") for n in (ProfileName.STUDY_A, ProfileName.STUDY_B,
                                                                     ProfileName.STUDY_C))


def test_profiles_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        DEFAULT.cutoff = 0
    with pytest.raises(TypeError):
        DEFAULT.dx_window[1] = (0, 1)


@pytest.mark.parametrize(("change", "message"), [
    ({"p_lost": 1.5}, "p_lost must be a probability"),
    ({"group_counts": (1, 2, 3)}, "group_counts must have 5 entries"),
    ({"cutoff": p.day("2015-01-01")}, "dx_window[0] must end at least 180 days before the data cut-off"),
    ({"dx_window": {1: (0, 10)}}, "dx_window has no value for group(s) [0, 2, 3, 4, 5]"),
    ({"subtype_probs": {g: (1.0, 0.0, -1.0, 0.0) for g in range(6)}}, "subtype_probs[0] must be non-negative"),
    ({"pfs_tdm1_median": {1: 1.0, 2: 1.0, 3: 0.0, 4: 1.0, 5: 1.0}}, "pfs_tdm1_median[3] must be a positive number"),
    ({"late_tdm1_line_probs": {2: 1.0}}, "late_tdm1_line_probs lines must be 3..6"),
    ({"drop_out_per_year": -0.1}, "drop_out_per_year must be a rate"),
    ({"n_centres": 0}, "n_centres must be a positive integer"),
])
def test_invalid_profiles_name_the_parameter(change, message):
    with pytest.raises(ValueError) as err:
        DEFAULT.with_(name="mine", **change)
    assert "registry profile 'mine'" in str(err.value) and message in str(err.value)


def test_unknown_profile_name_lists_the_known():
    with pytest.raises(ValueError, match="unknown registry profile 'study-x'; known profiles: default, study-a"):
        resolve_profile("study-x")
    assert resolve_profile("study-c") is PROFILES[ProfileName.STUDY_C]
    mine = DEFAULT.with_(name="mine")
    assert resolve_profile(mine) is mine and isinstance(mine, RegistryProfile)


def test_same_seed_and_profile_give_identical_files(tmp_path):
    a = generate_registry(tmp_path / "a", 400, seed=9, profile="study-b")
    b = generate_registry(tmp_path / "b", 400, seed=9, profile=ProfileName.STUDY_B, chunk_size=150)
    assert a.profile == b.profile == "study-b"
    assert _digests(tmp_path / "a") == _digests(tmp_path / "b")
    generate_registry(tmp_path / "c", 400, seed=9, profile="study-c")
    assert _digests(tmp_path / "c") != _digests(tmp_path / "a")
    # the default profile, named or not, is the registry of params.py
    generate_registry(tmp_path / "d", 400, seed=9)
    generate_registry(tmp_path / "e", 400, seed=9, profile=DEFAULT)
    assert _digests(tmp_path / "d") == _digests(tmp_path / "e")


def test_profile_shapes_the_registry(tmp_path):
    """What each profile changes shows in the files: one centre, the cut-off, the diagnosis eras."""
    generate_registry(tmp_path / "b", 600, seed=3, profile="study-b")
    pat = pd.read_csv(tmp_path / "b" / "patients.csv", dtype=str)
    assert set(pat["centre"]) == {"C01"}
    for name in ("study-a", "study-b", "study-c"):
        out = tmp_path / name
        generate_registry(out, 600, seed=3, profile=name)
        pat = pd.read_csv(out / "patients.csv", parse_dates=["last_contact_date", "metastatic_diagnosis_date"])
        cutoff = pd.Timestamp(pd.to_datetime(PROFILES[ProfileName(name)].cutoff, unit="D"))
        assert pat["last_contact_date"].max() <= cutoff
        assert pat["metastatic_diagnosis_date"].max() <= cutoff - pd.Timedelta(days=180)


def test_study_c_drop_out_is_independent_of_survival(tmp_path):
    """Study C's drop-out censors at a time unrelated to death: patients lost to follow-up
    are not the ones about to die (their last contact is not just before an early death)."""
    generate_registry(tmp_path / "c", 3000, seed=5, profile="study-c")
    pat = pd.read_csv(tmp_path / "c" / "patients.csv", parse_dates=["last_contact_date", "metastatic_diagnosis_date"])
    lost = pat["lost_to_follow_up"] == "yes"
    assert 0.15 < lost.mean() < 0.5  # ~5% in the default registry
    generate_registry(tmp_path / "d", 3000, seed=5)
    assert (pd.read_csv(tmp_path / "d" / "patients.csv")["lost_to_follow_up"] == "yes").mean() < 0.08


def test_study_profiles_check_their_own_study():
    for name, prof in PROFILES.items():
        figs = figures_for(prof)
        if prof.study is None:
            assert figs == FIGURES
            continue
        assert {f.study for f in figs} == {prof.study}
        assert len(figs) == sum(f.study == prof.study for f in FIGURES)
        documented = PROFILE_EXCEPTIONS.get(name.value, {})
        # every figure within its tolerance unless documented, with the reason
        assert [(f.study, f.label) for f in figs if not f.joint] == list(documented)
        assert all(f.note for f in figs if not f.joint)


def test_cli_profile_option(tmp_path):
    ok = subprocess.run([*CLI, "synth", "--out", str(tmp_path / "b"), "-n", "200", "--seed", "2", "--profile", "study-b"],
                        capture_output=True, text=True, timeout=300)
    assert ok.returncode == 0, ok.stderr
    assert "(profile study-b)" in " ".join(ok.stdout.split())  # rich wraps the title
    direct = tmp_path / "direct"
    generate_registry(direct, 200, seed=2, profile="study-b")
    assert _digests(tmp_path / "b") == _digests(direct)


def test_cli_bad_profile_is_a_clear_error(tmp_path):
    bad = subprocess.run([*CLI, "synth", "--out", str(tmp_path / "x"), "-n", "10", "--profile", "study-x"],
                         capture_output=True, text=True, timeout=300)
    assert bad.returncode == 2
    text = bad.stdout + bad.stderr
    assert "Traceback" not in text
    assert "study-x" in text and "study-a" in text and "--profile" in text
    assert not (tmp_path / "x").exists()
