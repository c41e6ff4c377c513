"""Self-check quizzes: question validation and the script the page runs."""

from __future__ import annotations

import pytest

from qgan_helpers.course.quiz import check_questions, guard_mathjax, quiz

NUMERIC = {
    "question": "How many amplitudes has a $3$-qubit state?",
    "type": "numeric",
    "answers": [{"type": "value", "value": 8, "correct": True, "feedback": "2**3 = 8."}],
}
CHOICE = {
    "question": "Which gate makes a superposition from |0>?",
    "type": "multiple_choice",
    "answers": [
        {"answer": "H", "correct": True, "feedback": "Yes."},
        {"answer": "Z", "correct": False, "feedback": "Z only changes a phase."},
    ],
}


def test_valid_questions_are_counted() -> None:
    assert check_questions([NUMERIC, CHOICE]) == 2


@pytest.mark.parametrize(
    ("questions", "message"),
    [
        ([], "non-empty list"),
        ("What?", "non-empty list"),
        ([{"question": "", "type": "numeric", "answers": []}], r"questions\[0\].*non-empty 'question'"),
        ([{**NUMERIC, "type": "essay"}], r"questions\[0\].*'type'"),
        ([{**NUMERIC, "answers": [{"type": "value", "value": 8, "feedback": "no"}]}], "at least one answer"),
        ([CHOICE, {**CHOICE, "answers": [{**a, "correct": True} for a in CHOICE["answers"]]}], r"questions\[1\].*exactly one"),
        ([{**CHOICE, "answers": [{"correct": True, "feedback": "x"}]}], "'answer' text"),
        ([{**NUMERIC, "answers": [{"type": "exact", "correct": True}]}], "value, range or default"),
    ],
)
def test_bad_questions_name_what_is_wrong(questions, message) -> None:
    with pytest.raises(ValueError, match=message):
        check_questions(questions)


def test_guard_gives_the_script_its_own_mathjax() -> None:
    wrapped = guard_mathjax("console.log(MathJax.version[0]);")
    # One function scope whose local MathJax always has a version (read before MathJax has loaded,
    # the page's MathJax is only its configuration) and a typeset method of its own (so the quiz never
    # takes its "load MathJax 3 from a CDN" branch).
    assert wrapped.startswith("(function () {") and wrapped.rstrip().endswith("})();")
    assert "var MathJax = {" in wrapped and "get version()" in wrapped and "typeset: function" in wrapped
    assert wrapped.index("var MathJax") < wrapped.index("console.log(MathJax.version[0]);")
    with pytest.raises(TypeError, match="script"):
        guard_mathjax(None)  # type: ignore[arg-type]


def test_quiz_shows_the_guarded_script() -> None:
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output

    InteractiveShell.instance()  # a shell to display into, as in a notebook
    with capture_output() as shown:
        quiz([NUMERIC, CHOICE])
    kinds = [sorted(o.data) for o in shown.outputs]
    assert kinds == [["text/html", "text/plain"], ["application/javascript", "text/plain"]], kinds
    script = shown.outputs[1].data["application/javascript"]
    assert script.startswith("(function () {\nvar MathJax = {")
    assert '"question": "How many amplitudes' in script and "show_questions" in script


def test_quizzes_on_a_seeded_page_get_different_names_and_leave_random_alone() -> None:
    import random
    import re

    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output

    InteractiveShell.instance()
    names = []
    for _ in range(2):
        random.seed(0)  # as seed_everything does before each section of a page
        with capture_output() as shown:
            quiz([CHOICE])
        html = shown.outputs[0].data["text/html"]
        names.append(re.search(r'<div id="(\w+)"', html).group(1))
        assert random.random() == random.Random(0).random(), "quiz() used the page's random numbers"
    assert names[0] != names[1], names
