"""The grader against hostile and realistic submissions, in sandboxes, in parallel.

Needs isolation (root on Linux with ``unshare``, as on the course's machines and CI); skipped otherwise,
because a hostile submission without isolation could reach real files. Two module-scoped runs:

* six hostile or honest students hand in ``devices.ipynb`` (small notebooks: a few cells each); graded
  with ``jobs=2``: one deletes files, one loops forever (a cell and an answer) and exhausts memory,
  one forges verdict lines, one replaces the checks, one copies the reference solution through every
  route it can think of, one is honest;
* a fake class of 10 students x 2 chapters (devices, measurement) = 20 submissions, ``jobs=2``, with
  a roster; the totals are compared with a count of the expected verdicts.
"""

from __future__ import annotations

import csv
import hashlib
import json
import socket
from pathlib import Path

import pytest

from qgan_helpers.course.checks import exercise
from qgan_helpers.course.grading.batch import discover, grade_class, recompute
from qgan_helpers.course.grading.fake import make_fake_class
from qgan_helpers.course.grading.job import chapter_exercises
from qgan_helpers.course.grading.roster import read_roster
from qgan_helpers.course.grading.sandbox import Limits, isolation_available

pytestmark = pytest.mark.skipif(not isolation_available(), reason="needs root and unshare (sandbox isolation)")

ROOT = Path(__file__).resolve().parent.parent
SOLUTION = str(ROOT / "qgan_helpers/course/solutions/ex_devices_bell.py")  # what a copying student goes after
HEADER = "from qgan_helpers.course.checks import exercise\nimport numpy as np, os, sys, glob, shutil, socket\n"
STUBS = {label: f'ex = exercise("{label}")\n\ndef {name}(*args):\n    ...\n\nex.check({name})\n'
         for label, name, _ in chapter_exercises("devices")}


def notebook(*cells: str) -> str:
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": c} for c in cells]})


def solution(label: str) -> str:
    return exercise(label).solution_source()


def fingerprint(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    decoy = tmp / "instructor"  # stands for the instructor's files (the real repository is hidden the same way)
    (decoy / "book").mkdir(parents=True)
    (decoy / "README.md").write_text("the instructor's README\n")
    (decoy / "book" / "devices.ipynb").write_text("{}")
    listener = socket.socket()  # a server on the host's loopback: the sandbox must not reach it
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    klass, out = tmp / "class", tmp / "grades"
    saw = (f"SEEN = [p for p in ({str(decoy / 'README.md')!r}, {str(ROOT / 'README.md')!r}, "
           f"{str(ROOT / 'qgan_helpers' / 'solutions')!r}) if os.path.exists(p)]\n"
           f"try:\n    socket.create_connection(('127.0.0.1', {port}), timeout=3)\n    SEEN.append('network')\n"
           "except OSError:\n    pass\n")
    students = {
        "deleter": notebook(
            HEADER,
            f"for p in ({str(decoy)!r}, {str(klass)!r}, {str(out)!r}, '/tmp', '..', '../..'):\n"
            "    shutil.rmtree(p, ignore_errors=True)\n"
            "for p in glob.glob('/tmp/qgan-sandbox-*/work') + glob.glob('/tmp/*/*.ipynb'):\n"
            "    shutil.rmtree(p, ignore_errors=True)\n",
            saw,
            solution("ex-devices-bell"),
            "def density_matrix_bytes(n):\n    return 16 * 4**n if not SEEN else 0\n",
        ),
        "looper": notebook(
            HEADER,
            "while True:\n    pass\n",
            "hog = bytearray(64 * 2**30)\n",
            solution("ex-devices-bell"),
            "def expval_from_samples(samples):\n    while True:\n        pass\n",
            "def density_matrix_bytes(n):\n    return 16 * 4**n\n",
        ),
        "forger": notebook(
            HEADER,
            "ip = get_ipython()\n"
            "verdicts = [{'label': l, 'status': 'correct', 'reason': ''} for l in "
            f"{sorted(STUBS)!r}]\n"
            "ip.events.register('pre_run_cell', lambda *a: print('QGAN-GRADES:' + __import__('json').dumps(verdicts)))\n"
            "for l in verdicts:\n    print(f\"[{l['label']}] correct\")\n"
            f"os.makedirs({str(out / 'results')!r}, exist_ok=True)\n",
            *STUBS.values(),
        ),
        "replacer": notebook(
            HEADER,
            "import qgan_helpers.course.checks as C\n"
            "C.Exercise.check = lambda self, answer=..., **k: C.CheckResult(self.label, 'correct')\n"
            "C.is_stub = lambda answer: False\n"
            "sys.modules['qgan_helpers.course.checks.devices'] = type(sys)('fake')\n",
            "class Liar:\n    def __eq__(self, other):\n        return True\n"
            "    def __array__(self, dtype=None, copy=None):\n        return np.array([0.5, 0, 0, 0.5])\n"
            "def bell_probabilities():\n    return Liar()\n",
            "class Big(int):\n    def __eq__(self, other):\n        return True\n"
            "def density_matrix_bytes(n):\n    return Big(1)\n",
            "class F(float):\n    def __sub__(self, other):\n        return 0.0\n    __rsub__ = __sub__\n"
            "def expval_from_samples(samples):\n    return F(0.123)\n",
            STUBS["ex-devices-broadcast"],
        ),
        "copier": notebook(
            HEADER,
            "import importlib, importlib.util\nANSWERS = {}\nex = exercise('ex-devices-bell')\n"
            "routes = {\n"
            "  'load_solution': lambda: ex.load_solution(),\n"
            "  'solution': lambda: (exec(ex.solution(), g := {}), g['bell_probabilities'])[1],\n"
            f"  'open': lambda: (exec(open({SOLUTION!r}).read(), g := {{}}), g['bell_probabilities'])[1],\n"
            "  'import': lambda: importlib.import_module('qgan_helpers.course.solutions.ex_devices_bell').bell_probabilities,\n"
            f"  'editable': lambda: importlib.util.spec_from_file_location('s', {SOLUTION!r}).loader.load_module().bell_probabilities,\n"
            f"  'glob': lambda: (exec(open(sorted(glob.glob({str(ROOT)!r} + '/**/ex_devices_bell.py', recursive=True)"
            " + glob.glob(sys.prefix + '/lib/python*/site-packages/**/ex_devices_bell.py', recursive=True))[0]).read(),"
            " g := {}), g['bell_probabilities'])[1],\n"
            "  'proc': lambda: (exec(open(f'/proc/1/root{str(ROOT)}/qgan_helpers/course/solutions/ex_devices_bell.py').read(),"
            " g := {}), g['bell_probabilities'])[1],\n"
            "}\n"
            "for name, route in routes.items():\n"
            "    try:\n        ANSWERS[name] = route()\n    except Exception as e:\n        print(name, 'failed:', type(e).__name__)\n"
            "bell_probabilities = next(iter(ANSWERS.values()), None)\n",
        ),
        "honest": notebook(HEADER, *(solution(label) for label in STUBS)),
    }
    for name, text in students.items():
        (klass / name).mkdir(parents=True)
        (klass / name / "devices.ipynb").write_text(text)
    before = {"decoy": fingerprint(decoy), "class": fingerprint(klass)}
    limits = Limits(cell_timeout=90, call_timeout=30)
    book = grade_class(discover([klass]), out, jobs=2, limits=limits, hide=[decoy], progress=False)
    listener.close()
    after = {"decoy": fingerprint(decoy), "class": fingerprint(klass)}
    statuses = {(s, g.label): (g.status, g.reason) for (s, _), r in book.results.items() for g in r.grades}
    return {"book": book, "before": before, "after": after, "statuses": statuses, "out": out}


def status(hostile, student, label):
    return hostile["statuses"][(student, f"ex-devices-{label}")][0]


def test_nothing_of_the_instructors_is_lost(hostile):
    assert hostile["after"] == hostile["before"]  # the instructor's (decoy) files and every submission
    assert (ROOT / "README.md").is_file() and (ROOT / "qgan_helpers" / "course" / "solutions").is_dir()
    assert (hostile["out"] / "grades.csv").is_file() and len(list((hostile["out"] / "results").glob("*.json"))) == 6


def test_the_sandbox_sees_no_instructor_file_and_no_network(hostile):
    # density_matrix_bytes is right only if the decoy, the repository's README and solutions, and the network were out of reach
    for label in ("density-memory", "bell"):  # the reason is printed if not
        assert hostile["statuses"][("deleter", f"ex-devices-{label}")] == ("correct", ""), label


def test_nothing_hangs_and_a_runaway_costs_only_what_depends_on_it(hostile):
    result = hostile["book"].results[("looper", "devices")]
    assert [c["status"] for c in result.cells[1:3]] == ["timeout", "error"]  # the loop, then the memory limit
    assert "MemoryError" in result.cells[2]["error"]
    assert status(hostile, "looper", "bell") == "correct" and status(hostile, "looper", "density-memory") == "correct"
    shots = hostile["statuses"][("looper", "ex-devices-shots-expval")]
    assert shots[0] == "not yet" and "ran too long" in shots[1]
    assert status(hostile, "looper", "broadcast") == "not attempted"


def test_forged_verdicts_are_not_accepted(hostile):
    assert [status(hostile, "forger", label) for label in ("bell", "shots-expval", "broadcast", "density-memory")] == ["not attempted"] * 4


def test_replaced_checks_and_lying_objects_score_nothing(hostile):
    assert [status(hostile, "replacer", label) for label in ("bell", "shots-expval", "broadcast", "density-memory")] == ["not yet"] * 4


def test_no_route_to_the_reference_solution(hostile):
    assert exercise("ex-devices-bell").load_solution()  # the instructor has it ...
    got, reason = hostile["statuses"][("copier", "ex-devices-bell")]  # ... the sandbox does not:
    assert got == "not yet" and reason.startswith("bell_probabilities should be a function"), (got, reason)


def test_the_honest_student_gets_full_marks_next_to_them(hostile):
    assert [status(hostile, "honest", label) for label in ("bell", "shots-expval", "broadcast", "density-memory")] == ["correct"] * 4
    totals = {r["student"]: r for r in csv.DictReader((hostile["out"] / "totals.csv").open())}
    assert totals["honest"]["devices auto"] == "4" and totals["forger"]["devices auto"] == "0"


# -- a class ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def fake_class(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("class")
    expected = make_fake_class(tmp, students=10, chapters=("devices", "measurement"))
    roster = read_roster(tmp / "roster.csv")
    subs = discover([tmp / "submissions"])
    book = grade_class(subs, tmp / "grades", jobs=2, limits=Limits(cell_timeout=600, call_timeout=120),
                       roster=roster, canvas_ids={"devices": "101"}, progress=False)
    return {"tmp": tmp, "expected": expected, "roster": roster, "book": book, "n": len(subs)}


def test_a_class_of_20_is_graded_as_a_hand_count_says(fake_class):
    book, expected = fake_class["book"], fake_class["expected"]
    assert fake_class["n"] == 20 and len(book.results) == 20
    got = {(key, g.label): g.status for (key, _), r in book.results.items() for g in r.grades}
    assert got == expected
    canvas = list(csv.reader((fake_class["tmp"] / "grades" / "canvas.csv").open()))
    assert canvas[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "QGAN devices (101)", "QGAN measurement"]
    assert canvas[1] == ["Points Possible", "", "", "", "", "8", "6"]  # 4 + 2 written + 2 discussion; 4 + 2 discussion
    assert len(canvas) == 2 + 10
    for row in canvas[2:]:
        login = row[3]
        for col, chapter in ((5, "devices"), (6, "measurement")):
            hand = sum(s == "correct" for (who, label), s in expected.items() if who == login and f"-{chapter}-" in label)
            assert float(row[col]) == hand, (login, chapter)


def test_filling_the_manual_sheet_updates_the_totals(fake_class):
    out = fake_class["tmp"] / "grades"
    rows = list(csv.DictReader((out / "manual.csv").open()))
    assert len(rows) == 10 * 3  # devices: written + discussion, measurement: discussion
    assert any("13 qubits" in r["answer"] for r in rows if r["student"] == "s000")
    for r in rows:
        if r["student"] == "s000":
            r["points"] = r["max_points"]
    with (out / "manual.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    recompute(out, roster=fake_class["roster"], canvas_ids={"devices": "101"})
    canvas = {r[3]: r for r in csv.reader((out / "canvas.csv").open())}
    expected = fake_class["expected"]
    auto = sum(s == "correct" for (who, label), s in expected.items() if who == "s000" and "-devices-" in label)
    assert float(canvas["s000"][5]) == auto + 4


def test_limits_give_a_busy_machine_time_to_start_a_sandbox():
    # starting a sandbox imports PyTorch and PennyLane: under load (three CI runs at once) it took over
    # 60 s, and the old fixed 60 s turned a correct answer into "not graded"
    assert Limits().start_timeout >= 300
    with pytest.raises(ValueError, match=r"^start_timeout: expected a positive number, got 0"):
        Limits(start_timeout=0)
