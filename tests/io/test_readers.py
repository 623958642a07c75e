"""Readers: the fast (pyarrow) and exact (csv module) CSV paths give the same cells and rows."""

import numpy as np
import pandas as pd

from linewise.io.readers import _read_csv_arrow, _read_csv_exact, read_csv

TEXT = 'patient_id,agents,grade\nP1, Herceptin + Perjeta ,G2\nP2,"T-DM1, Kadcyla",\n,,\nP3,,G3\n'


def test_fast_and_exact_paths_agree(tmp_path):
    fast = _read_csv_arrow(TEXT.encode(), ",", "x.csv")
    exact = _read_csv_exact(TEXT, ",", "x.csv", ())
    assert fast is not None
    pd.testing.assert_frame_equal(fast.frame, exact.frame)
    np.testing.assert_array_equal(fast.rows, exact.rows)
    assert exact.rows.tolist() == [2, 3, 5]
    assert fast.frame.loc[0, "agents"] == "Herceptin + Perjeta"


def test_multiline_cell_falls_back_to_exact_line_numbers(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text('patient_id,centre\nP1,"two\nlines"\n\nP2,B\n')
    raw = read_csv(path)
    assert raw.rows.tolist() == [2, 5]
    assert raw.frame["centre"].tolist() == ["two\nlines", "B"]
