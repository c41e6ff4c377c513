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

from collections.abc import Sequence
from typing import Any

__all__ = ["quiz", "check_questions"]

_TYPES = ("multiple_choice", "many_choice", "numeric")


def check_questions(questions: Sequence[dict[str, Any]]) -> int:
    """Validate quiz questions; return how many there are.

    Raises
    ------
    ValueError
        Naming the question (by position) and what is wrong with it.
    """
    if not isinstance(questions, Sequence) or isinstance(questions, (str, bytes)) or not questions:
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


def quiz(questions: Sequence[dict[str, Any]]) -> None:
    """Show a self-check quiz (see the module docstring for the question format)."""
    check_questions(questions)
    from jupyterquiz import display_quiz

    display_quiz(list(questions), shuffle_answers=False, max_width=680)
