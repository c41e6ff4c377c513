"""The grader's parts that need no sandbox: the data codec, the argument write-back, rosters, manual items, reports.

The sandboxed runs (hostile submissions, a class in parallel) are in ``test_grading_sandbox.py``.
"""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pennylane as qml
import pytest
import torch

from qgan_helpers.course.grading import codec
from qgan_helpers.course.grading.cli import Grade, exercise_labels, grade, main, to_csv
from qgan_helpers.course.grading.job import ExerciseGrade, SubmissionResult, chapter_exercises, written_text
from qgan_helpers.course.grading.manual import MANUAL_ITEMS, ManualItem, items_for, manual_item
from qgan_helpers.course.grading.remote import _write_back, rebuild_module, remote_error
from qgan_helpers.course.grading.reports import build_gradebook, read_manual_sheet, write_reports
from qgan_helpers.course.grading.roster import read_roster


def roundtrip(value):
    tree, blobs = codec.encode(value)
    tree = json.loads(json.dumps(tree))  # only JSON crosses
    return codec.decode(tree, blobs, rebuild_module=rebuild_module)


# -- the codec: plain data in, the same types out -------------------------------------------------------
def test_codec_keeps_the_types_checkers_look_at():
    out = roundtrip([1, 2.5, True, None, "s", 3 + 1j, (1, 2), {"a": 1, 2: "b"}, np.int64(7), np.float32(0.5)])
    assert out[:7] == [1, 2.5, True, None, "s", 3 + 1j, (1, 2)] and out[7] == {"a": 1, 2: "b"}
    assert type(out[0]) is int and type(out[2]) is bool and type(out[6]) is tuple
    assert type(out[8]) is np.int64 and type(out[9]) is np.float32
    arr = roundtrip(np.arange(6.0).reshape(2, 3))
    assert arr.shape == (2, 3) and arr.dtype == np.float64
    t = roundtrip(torch.ones(2, dtype=torch.float64, requires_grad=True))
    assert isinstance(t, torch.Tensor) and t.dtype == torch.float64 and not t.requires_grad  # gradients: remote.py
    assert roundtrip(torch.Size([2, 3])) == (2, 3)
    nan = roundtrip(float("nan"))
    assert nan != nan


def test_codec_rebuilds_operations_and_course_modules_only():
    ops = roundtrip([qml.RY(0.3, wires=0), qml.adjoint(qml.CNOT(wires=[0, 1]))])
    assert [op.name for op in ops] == ["RY", "Adjoint(CNOT)"] and float(ops[0].parameters[0]) == pytest.approx(0.3)
    from qgan_helpers.models.discriminators import MLPDiscriminator

    disc = MLPDiscriminator(n_pixels=4, hidden=(3,))
    disc.__dict__["_qgan_ctor"] = ((), {"n_pixels": 4, "hidden": (3,)})  # what the sandbox records
    back = roundtrip(disc)
    assert type(back) is MLPDiscriminator
    assert all(torch.equal(a, b) for a, b in zip(back.state_dict().values(), disc.state_dict().values()))
    seq = roundtrip(torch.nn.Sequential(torch.nn.Linear(4, 2), torch.nn.ReLU()))
    assert isinstance(seq, torch.nn.Sequential) and seq[0].out_features == 2

    class Mine(torch.nn.Module):
        def forward(self, x):
            return x

    mine = roundtrip(Mine())
    assert isinstance(mine, codec.Opaque) and "cannot rebuild" in type(mine).__name__


def test_codec_refuses_what_is_not_data():
    out = roundtrip([object(), lambda: 1, b"bytes"])
    assert all(isinstance(x, codec.Opaque) for x in out)
    assert type(out[0]).__name__ == "object" and type(out[1]).__name__ == "function"
    with pytest.raises(codec.DecodeError, match="unknown tag"):
        codec.decode({"t": "pickle", "v": "..."}, [])
    with pytest.raises(codec.DecodeError, match="only numbers"):
        buffer = io.BytesIO()
        np.save(buffer, np.array(["a"]), allow_pickle=False)
        codec.decode({"t": "ndarray", "b": 0}, [buffer.getvalue()])
    with pytest.raises(codec.DecodeError, match="malformed array"):
        codec.decode({"t": "ndarray", "b": 0}, [b"\x93NUMPY garbage"])
    with pytest.raises(codec.DecodeError, match="unknown operation"):
        codec.decode({"t": "op", "name": "os.system", "wires": {"t": "list", "v": []}}, [])
    with pytest.raises(codec.DecodeError, match="integer literal"):
        codec.decode({"t": "int", "v": "1" * 400}, [])
    with pytest.raises(codec.DecodeError, match="do not add up"):
        codec.unpack(codec.pack({"a": 1}, [b"xy"]) + b"z")


def test_write_back_mirrors_the_students_changes_in_place():
    tensor, array = torch.zeros(3), np.zeros(2)
    data = {"w": torch.zeros(2), "n": 1}
    items = [torch.zeros(1), 5]
    _write_back(tensor, torch.ones(3))
    _write_back(array, np.ones(2))
    _write_back(data, {"w": torch.ones(2), "n": 2, "new": 3})
    _write_back(items, [torch.ones(1), 6])
    assert tensor.tolist() == [1, 1, 1] and array.tolist() == [1, 1]
    assert data["w"].tolist() == [1, 1] and data["n"] == 2 and data["new"] == 3
    assert items[0].tolist() == [1] and items[1] == 6


def test_remote_errors_carry_the_students_type_name():
    err = remote_error({"type": "KeyError", "message": "'x'", "where": "line 4"})
    assert type(err).__name__ == "KeyError" and str(err) == "'x' (line 4 of your code)"
    assert type(remote_error("garbage")).__name__ == "RemoteError"


# -- who, what, how many points ---------------------------------------------------------------------------
def test_roster_reads_a_canvas_export_and_matches_folders():
    text = ("Student,ID,SIS User ID,SIS Login ID,Section\n    Points Possible,,,,\n"
            '"Lovelace, Ada",17,U17,ada,A\n"Hopper, Grace",18,U18,ghopper,B\n')
    roster = read_roster(io.StringIO(text))
    assert len(roster) == 2
    assert roster.find("ADA").name == "Lovelace, Ada" and roster.find("u18").key == "ghopper"
    assert roster.find("nobody") is None
    with pytest.raises(ValueError, match="^roster: expected a column that identifies students"):
        read_roster(io.StringIO("Name,Grade\nx,1\n"))
    with pytest.raises(FileNotFoundError, match="^roster: expected a CSV file"):
        read_roster("/nonexistent/roster.csv")


def test_points_come_from_the_exercises_and_manual_items_have_rubrics():
    assert [p for _, _, p in chapter_exercises("devices")] == [1.0, 1.0, 1.0, 1.0]
    assert {i.kind for i in MANUAL_ITEMS} == {"written", "discussion", "project"}
    assert {i.id for i in items_for({"training", "tips"})} == {"project-training", "project-tips"}
    assert manual_item("devices-memory-written").max_points == 2.0
    with pytest.raises(KeyError, match="no manual item 'x'"):
        manual_item("x")
    with pytest.raises(ValueError, match="^rubric: the criteria of bad add up to 1.0, not max_points=2"):
        ManualItem("bad", "devices", "written", "?", 2.0, (("a", 1.0),))
    with pytest.raises(ValueError, match="^kind: expected"):
        ManualItem("bad", "devices", "essay", "?", 1.0, (("a", 1.0),))


def test_written_text_is_what_the_student_added():
    md = lambda s: {"cell_type": "markdown", "source": s}  # noqa: E731
    assert written_text({"cells": [md("Given"), md("Mine"), {"cell_type": "code", "source": "x"}]},
                        {"cells": [md("Given")]}) == ["Mine"]


def fake_result(student: str, chapter: str, statuses: list[str]) -> SubmissionResult:
    labels = [label for label, _, _ in chapter_exercises(chapter)]
    grades = [ExerciseGrade(label, s, "" if s == "correct" else "why", 1.0 if s == "correct" else 0.0, 1.0)
              for label, s in zip(labels, statuses)]
    return SubmissionResult(student, chapter, f"/sub/{student}/{chapter}.ipynb", grades=grades, written=["13 qubits"])


def test_reports_totals_canvas_and_a_filled_manual_sheet(tmp_path):
    roster = read_roster(io.StringIO("Student,ID,SIS User ID,SIS Login ID,Section\n"
                                     '"A, Ada",1,U1,ada,S1\n"B, Bob",2,U2,bob,S2\n"C, Cy",3,U3,cy,S1\n'))
    results = [fake_result("ada", "devices", ["correct"] * 4),
               fake_result("bob", "devices", ["correct", "not yet", "not attempted", "correct"]),
               fake_result("stranger", "devices", ["not graded"] * 4)]
    book = build_gradebook(results, roster=roster)
    paths = write_reports(book, tmp_path, canvas_ids={"devices": "4711"})
    canvas = list(csv.reader(paths["canvas"].open()))
    assert canvas[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "QGAN devices (4711)"]
    assert canvas[1][0] == "Points Possible" and canvas[1][5] == "8"  # 4 exercises + 2 + 2 manual
    rows = {r[3]: r for r in canvas[2:]}
    assert rows["ada"][5] == "4" and rows["bob"][5] == "2" and rows["cy"][5] == "0" and rows["stranger"][5] == "0"
    totals = {r["student"]: r for r in csv.DictReader(paths["totals"].open())}
    assert totals["cy"]["problems"] == "devices: nothing handed in"
    assert "folder not on the roster" in totals["stranger"]["problems"] and "not fully graded" in totals["stranger"]["problems"]
    assert totals["ada"]["manual blank"] == "2"

    # the instructor fills in the sheet; totals follow
    sheet = list(csv.DictReader(paths["manual"].open()))
    assert {r["item"] for r in sheet} == {"devices-memory-written", "devices-discussion"}
    assert next(r for r in sheet if r["student"] == "ada")["answer"] == "13 qubits"
    for r in sheet:
        if r["student"] == "ada":
            r["points"] = "2" if r["item"] == "devices-memory-written" else "1.5"
    with paths["manual"].open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(sheet[0]))
        writer.writeheader()
        writer.writerows(sheet)
    book = build_gradebook(results, roster=roster, manual=read_manual_sheet(paths["manual"]))
    write_reports(book, tmp_path)
    totals = {r["student"]: r for r in csv.DictReader(paths["totals"].open())}
    assert totals["ada"]["devices total"] == "7.5" and totals["ada"]["manual blank"] == "0"
    assert totals["ada"]["percent"] == f"{100 * 7.5 / 8:.1f}"
    sheet = list(csv.DictReader(paths["manual"].open()))  # filled points survive the rewrite
    assert {r["points"] for r in sheet if r["student"] == "ada"} == {"2", "1.5"}

    sheet[0]["points"] = "9"
    with paths["manual"].open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(sheet[0]))
        writer.writeheader()
        writer.writerows(sheet)
    with pytest.raises(ValueError, match=r"line 2: points 9 is not between 0 and 2"):
        read_manual_sheet(paths["manual"])


def test_command_line_totals_recomputes_from_results(tmp_path, capsys):
    out = tmp_path / "grades"
    (out / "results").mkdir(parents=True)
    (out / "results" / "ada__devices.json").write_text(json.dumps(fake_result("ada", "devices", ["correct"] * 4).to_json()))
    assert main(["totals", "--out", str(out)]) == 0
    assert "recomputed 1 students x 1 chapters" in capsys.readouterr().out
    assert list(csv.reader((out / "canvas.csv").open()))[2][5] == "4"


def test_old_helpers_still_work(tmp_path):
    assert to_csv([Grade("a.ipynb", "ex-a-b", "not yet", 'say "hi"')]).splitlines()[1] == 'a.ipynb,ex-a-b,not yet,"say ""hi"""'
    assert grade([]) == []
    nb = {"cells": [{"cell_type": "markdown", "source": ["::::{exercise} A title\n", ":class: x\n", ":label: ex-q-r\n"]},
                    {"cell_type": "code", "source": ":label: ex-not-markdown"}]}
    assert exercise_labels(nb) == ["ex-q-r"]
    with pytest.raises(TypeError, match=r"^notebook: expected a path or a notebook dict with 'cells', got list"):
        exercise_labels([1, 2])
    with pytest.raises(TypeError, match=r"^rows: expected Grade objects, got tuple"):
        to_csv([("a", "b", "c", "d")])
    from qgan_helpers.course.grading.cli import grade_notebook

    with pytest.raises(FileNotFoundError, match=r"^notebook: expected an .ipynb file"):
        grade_notebook(tmp_path / "missing.ipynb")
    path = tmp_path / "devices.ipynb"
    path.write_text("{}")
    for bad in (0, -1, 2.5, True):
        with pytest.raises(ValueError, match=r"^timeout: expected a positive number of seconds, got"):
            grade_notebook(path, timeout=bad)
