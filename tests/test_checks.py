"""The exercise-checker framework and every exercise of the course."""

from __future__ import annotations

import pytest

from qgan_helpers.course.checks import CheckResult, Exercise, all_exercises, exercise, expect, is_stub, register


@register("ex-demo-double", "Double a number", "Multiply by two.", "double")
def _check_double(double):
    expect(callable(double), "double should be a function")
    expect(double(2) == 4, f"double(2) should be 4, got {double(2)!r}")


def test_stub_detection():
    def stub(a, b=1):
        """Docstring only."""
        ...

    def stub_pass():
        pass

    def real(x):
        return x

    assert is_stub(...) and is_stub(stub) and is_stub(stub_pass)
    assert not is_stub(real) and not is_stub(None) and not is_stub(3)


def test_verdicts(capsys):
    ex = exercise("ex-demo-double")

    def stub(x):
        ...

    assert ex.check(stub).status == "not attempted"
    assert "not attempted" in capsys.readouterr().out
    assert ex.check(lambda x: 2 * x).status == "correct"
    r = ex.check(lambda x: x + 1)
    assert r.status == "not yet" and "should be 4" in r.reason and not r


def test_a_notebook_shows_the_verdict_once(capsys):
    ex = exercise("ex-demo-double")
    result = ex.check(lambda x: 2 * x)  # prints the verdict ...
    result._ipython_display_()  # ... so displaying the returned value adds nothing
    assert capsys.readouterr().out.count("correct") == 1
    quiet = ex.check(lambda x: 2 * x, verbose=False)
    quiet._ipython_display_()
    assert capsys.readouterr().out.strip() == "[ex-demo-double] correct"


def test_a_check_never_raises_into_the_notebook():
    ex = exercise("ex-demo-double")

    def explodes(x):
        raise RuntimeError("boom")

    r = ex.check(explodes, verbose=False)
    assert r.status == "not yet"
    assert "RuntimeError: boom" in r.reason
    assert ex.check(object(), verbose=False).status == "not yet"


def test_unknown_label_names_the_known_ones():
    with pytest.raises(KeyError, match="label: no exercise called 'ex-nope'"):
        exercise("ex-nope")


def test_result_string():
    assert str(CheckResult("ex-a", "not yet", "why")) == "[ex-a] not yet: why"
    assert str(CheckResult("ex-a", "correct")) == "[ex-a] correct"


EXERCISES = all_exercises()


def test_each_chapter_has_at_least_three_exercises():
    chapters: dict[str, int] = {}
    for ex in EXERCISES:
        chapter = ex.label.split("-")[1]
        chapters[chapter] = chapters.get(chapter, 0) + 1
    assert chapters, "no exercises registered"
    assert all(n >= 3 for n in chapters.values()), chapters


@pytest.mark.parametrize("ex", EXERCISES, ids=lambda e: e.label)
def test_reference_solution_is_correct_and_stub_is_not_attempted(ex: Exercise, capsys):
    assert all(h.strip() for h in ex.hints), "every exercise needs a hint"
    assert ex.solution_path.exists(), f"missing solution file {ex.solution_path.name}"
    assert ex.check(ex.load_solution(), verbose=False).status == "correct"
    assert ex.check(..., verbose=False).status == "not attempted"
    ex.solution()
    assert ex.answer_name in capsys.readouterr().out


@pytest.mark.parametrize("ex", EXERCISES, ids=lambda e: e.label)
def test_wrong_answers_are_not_yet(ex: Exercise):
    for wrong in (None, 0, "nonsense", lambda *a, **k: None, lambda *a, **k: 0.123):
        assert ex.check(wrong, verbose=False).status == "not yet"
