"""Self-check quizzes that work in a notebook and on the static site, offline.

:func:`quiz` shows multiple-choice and numeric questions with ``jupyterquiz`` (J. M. Shea), which
writes its HTML and JavaScript into the cell's output: the executed page carries everything the
quiz needs, so it answers in the browser without a kernel and without the network. Questions are
plain dicts, checked here so that a typo fails when the page is built, not when a reader clicks.

Question format (a subset of jupyterquiz's)::

    {"question": "How many amplitudes has a 3-qubit state?",
     "type": "numeric",
     "answers": [{"type": "value", "value": 8, "correct": True, "feedback": "2**3 = 8."},
                 {"type": "default", "feedback": "Count the basis states: 000, 001, ..."}]}

    {"question": "Which gate makes a superposition from |0>?",
     "type": "multiple_choice",
     "answers": [{"answer": "H", "correct": True, "feedback": "..."},
                 {"answer": "Z", "correct": False, "feedback": "..."}]}

Examples
--------
>>> q = [{"question": "2 + 2?", "type": "numeric",
...       "answers": [{"type": "value", "value": 4, "correct": True, "feedback": "Yes."}]}]
>>> check_questions(q)
1
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from typing import Any

from qgan_helpers.validation import ArgumentTypeError

__all__ = ["quiz", "check_questions", "guard_mathjax"]

_TYPES = ("multiple_choice", "many_choice", "numeric")


def check_questions(questions: Sequence[dict[str, Any]]) -> int:
    """Validate quiz questions; return how many there are.

    Raises
    ------
    ArgumentTypeError
        If ``questions`` is not a list (a ``TypeError``, also caught as ``ValueError``).
    ValueError
        Naming the question (by position) and what is wrong with it.
    """
    if not isinstance(questions, Sequence) or isinstance(questions, (str, bytes)):
        raise ArgumentTypeError(f"questions: expected a non-empty list of question dicts, got {type(questions).__name__}")
    if not questions:
        raise ValueError("questions: expected a non-empty list of question dicts")
    for i, q in enumerate(questions, 1):
        where = f"questions[{i - 1}]"
        if not isinstance(q, dict) or not isinstance(q.get("question"), str) or not q["question"].strip():
            raise ValueError(f"{where}: expected a dict with a non-empty 'question' text")
        if q.get("type") not in _TYPES:
            raise ValueError(f"{where}: expected 'type' in {list(_TYPES)}, got {q.get('type')!r}")
        answers = q.get("answers")
        if not isinstance(answers, list) or not answers:
            raise ValueError(f"{where}: expected a non-empty list of 'answers'")
        correct = [a for a in answers if isinstance(a, dict) and a.get("correct") is True]
        if not correct:
            raise ValueError(f"{where}: expected at least one answer with 'correct': True")
        if q["type"] == "multiple_choice" and len(correct) != 1:
            raise ValueError(f"{where}: a multiple_choice question has exactly one correct answer, got {len(correct)}")
        for a in answers:
            if not isinstance(a, dict) or not isinstance(a.get("feedback", ""), str):
                raise ValueError(f"{where}: every answer is a dict with a 'feedback' text")
            if q["type"] != "numeric" and not isinstance(a.get("answer"), str):
                raise ValueError(f"{where}: every choice needs an 'answer' text")
            if q["type"] == "numeric" and a.get("type") not in ("value", "range", "default"):
                raise ValueError(f"{where}: numeric answers have 'type' value, range or default")
    return len(questions)


# jupyterquiz's script reads ``MathJax.version[0]`` half a second after it draws the quiz. On the
# site, MathJax 3 is a deferred script: until it has loaded, ``window.MathJax`` is only its
# configuration, which has no ``version``, and the quiz throws "Cannot read properties of undefined"
# (a busy machine takes longer than half a second); a MathJax 3 still starting up sends it to load
# MathJax from a CDN. Its script therefore runs with a local ``MathJax`` that typesets through the
# real one once it has loaded (MathJax's own first pass skips cell outputs, so the quiz must ask).
_MATHJAX_GUARD = """(function () {
var MathJax = {
  get version() {
    var m = window.MathJax;
    return m && typeof m.version === "string" ? m.version : "3";
  },
  get Hub() { return window.MathJax && window.MathJax.Hub; },
  typeset: function (elements) {
    var tries = 0;
    (function attempt() {
      var m = window.MathJax;
      if (m && m.startup && m.startup.promise && m.typesetPromise) {
        m.startup.promise = m.startup.promise.then(function () { return m.typesetPromise(elements); });
      } else if (m && m.Hub && m.Hub.Queue) {
        m.Hub.Queue(["Typeset", m.Hub]);
      } else if (tries++ < 150) {
        setTimeout(attempt, 200);  // MathJax has not loaded yet (wait at most 30 s)
      }
    })();
  }
};
%s
})();
"""


def guard_mathjax(script: str) -> str:
    """Wrap a jupyterquiz script so that it never reads MathJax before MathJax has loaded.

    Parameters
    ----------
    script : str
        The JavaScript ``jupyterquiz.display_quiz`` shows.

    Returns
    -------
    str
        The same script inside a function whose local ``MathJax`` typesets through the page's
        MathJax once it is ready (MathJax 3 or 2) and does nothing where there is none.

    Examples
    --------
    >>> js = guard_mathjax("show(MathJax.version[0]);")
    >>> js.startswith("(function () {") and "show(MathJax.version[0]);" in js
    True
    """
    if not isinstance(script, str):
        raise ArgumentTypeError(f"script: expected the quiz's JavaScript as a str, got {type(script).__name__}")
    return _MATHJAX_GUARD % script


def quiz(questions: Sequence[dict[str, Any]]) -> None:
    """Show a self-check quiz (see the module docstring for the question format).

    The quiz is ``jupyterquiz.display_quiz``'s, with its script wrapped by :func:`guard_mathjax`.
    """
    check_questions(questions)
    from IPython.display import Javascript, display
    from IPython.utils.capture import capture_output
    from jupyterquiz import display_quiz

    # jupyterquiz names the quiz's element with 12 letters from Python's global ``random``: on a page
    # that seeds it, two quizzes got the same name (and the second did not show). Draw them from fresh
    # entropy, and leave the page's random stream as it was.
    state = random.getstate()
    try:
        random.seed(uuid.uuid4().int)
        with capture_output(stdout=False, stderr=False, display=True) as shown:
            display_quiz(list(questions), shuffle_answers=False, max_width=680)
    finally:
        random.setstate(state)
    for output in shown.outputs:
        script = output.data.get("application/javascript")
        if script is None:
            output.display()
        else:
            display(Javascript(guard_mathjax(script)))
