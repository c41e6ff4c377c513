"""Exercise checkers: "correct", "not yet: <reason>" or "not attempted" -- and never an exception.

Every exercise of the course has a label (the same label as its ``{exercise}`` directive in the
book, e.g. ``"ex-devices-bell"``), a checker, a hint and a reference solution. A learner writes
a function (or a value) in the notebook and passes it to :meth:`Exercise.check`::

    from qgan_helpers.course.checks import exercise
    ex = exercise("ex-devices-bell")

    def bell_probabilities():
        ...                     # the untouched stub: "not attempted"

    ex.check(bell_probabilities)
    ex.hint()                   # prints a hint
    ex.solution()               # prints the reference solution

The checker of an exercise is a plain function that receives the learner's answer and calls
:func:`expect` for each property it verifies; the first failed expectation becomes the
"not yet" reason. Whatever the learner's code does -- raise, return garbage, loop over the
wrong shapes -- :meth:`Exercise.check` catches it and reports it as "not yet".

Reference solutions live as small Python files in ``qgan_helpers/course/solutions/<label>.py`` so that
the book (``{literalinclude}`` inside the dropdown solution), :meth:`Exercise.solution` and the
tests all show and run the same code. The student release of the course
(:mod:`qgan_helpers.course.release`) ships the package without that folder: there
:meth:`Exercise.solution` says so and :meth:`Exercise.load_solution` raises :class:`SolutionNotShipped`.

Each exercise is worth :attr:`Exercise.points` points (default 1; ``register(..., points=2)``), which
the grader (:mod:`qgan_helpers.course.grading`) uses unless the notebook's exercise cell overrides it.
"""

from __future__ import annotations

import dis
import importlib
import pkgutil
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "CheckResult",
    "Exercise",
    "NotYet",
    "expect",
    "as_array",
    "as_number",
    "as_scalar",
    "exercise",
    "all_exercises",
    "register",
    "is_stub",
    "SolutionNotShipped",
    "STUDENT_EDITION_NOTE",
    "solutions_available",
]

Status = Literal["correct", "not yet", "not attempted"]

SOLUTIONS_DIR = Path(__file__).resolve().parent.parent / "solutions"


_REGISTRY: dict[str, Exercise] = {}

#: What :meth:`Exercise.solution` says where the solutions are not installed (the student release).
STUDENT_EDITION_NOTE = "the solutions are not part of the student edition of this course; ask your instructor"


class SolutionNotShipped(LookupError):
    """Raised by :meth:`Exercise.load_solution` where the package has no ``solutions`` folder (the student release)."""


def solutions_available() -> bool:
    """Whether this installation of the package has the reference solutions (the instructor's copy).

    Examples
    --------
    >>> isinstance(solutions_available(), bool)
    True
    """
    return SOLUTIONS_DIR.is_dir()


class NotYet(Exception):
    """Raised by a checker (through :func:`expect`) when the answer is not right yet."""


def expect(condition: Any, reason: str) -> None:
    """Require ``condition``; otherwise the check answers "not yet: <reason>".

    Parameters
    ----------
    condition : object
        Anything truthy passes.
    reason : str
        What the learner should look at, phrased for them ("the probabilities should sum to 1").

    Examples
    --------
    >>> expect(1 + 1 == 2, "arithmetic is broken")
    """
    if not condition:
        raise NotYet(reason)


# -- helpers the chapter checkers share: turn a learner's result into numbers, or say why not -----------
def as_array(value: Any, what: str) -> np.ndarray:
    """The learner's result as a finite float NumPy array (torch tensors, lists and PennyLane arrays welcome).

    Examples
    --------
    >>> as_array([1, 2], "f()").tolist()
    [1.0, 2.0]
    """
    import numpy as np
    import pennylane as qml

    expect(value is not None, f"{what} returned None; did you forget a `return`?")
    try:
        arr = np.asarray(qml.math.to_numpy(value), dtype=float)
    except Exception:  # noqa: BLE001 - anything that is not numeric
        arr = None
    expect(arr is not None, f"{what} should return numbers, got {type(value).__name__}")
    expect(np.all(np.isfinite(arr)), f"{what} returned NaN or infinity")
    return arr


def as_number(value: Any, what: str) -> float:
    """Like :func:`as_array`, for a result that must be exactly one number."""
    arr = as_array(value, what)
    expect(arr.size == 1, f"{what} should return one number, got an array of shape {arr.shape}")
    return float(arr.reshape(()))


def as_scalar(value: Any, what: str) -> float:
    """The learner's result as one finite float; 0-d tensors, NumPy scalars and floats only (no bools, no lists)."""
    import math

    import numpy as np
    import torch

    expect(value is not None, f"{what} returned None; did you forget a `return`?")
    if isinstance(value, torch.Tensor):
        expect(value.numel() == 1, f"{what} should return one number, got a tensor of shape {tuple(value.shape)}")
        out = float(value.detach().reshape(()))
    elif isinstance(value, np.ndarray):
        expect(value.size == 1, f"{what} should return one number, got an array of shape {value.shape}")
        expect(np.issubdtype(value.dtype, np.number), f"{what} should return a number, got an array of {value.dtype}")
        out = float(value.reshape(()))
    else:
        expect(
            isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool),
            f"{what} should return a number, got {type(value).__name__}",
        )
        out = float(value)
    expect(math.isfinite(out), f"{what} returned {out}; expected a finite number")
    return out


_IGNORED_OPS = {"RESUME", "NOP", "CACHE"}


def _does_nothing(code: Any) -> bool:
    """True when a code object only returns None (a body of ``...``, ``pass`` and/or a docstring)."""
    ops = [(i.opname, i.argval) for i in dis.get_instructions(code) if i.opname not in _IGNORED_OPS]
    return ops in ([("LOAD_CONST", None), ("RETURN_VALUE", None)], [("RETURN_CONST", None)])


def is_stub(answer: Any) -> bool:
    """Whether ``answer`` is an untouched exercise stub.

    A stub is the literal ``...`` (Ellipsis), or a function whose body does nothing but
    ``...``/``pass`` (optionally after a docstring). Its arguments do not matter. A lambda is
    never a stub: ``lambda: None`` is an (incorrect) answer.

    Examples
    --------
    >>> def f(x):
    ...     ...
    >>> is_stub(f), is_stub(...), is_stub(lambda x: x)
    (True, True, False)
    """
    if answer is Ellipsis:
        return True
    code = getattr(answer, "__code__", None)
    return code is not None and code.co_name != "<lambda>" and _does_nothing(code)


@dataclass(frozen=True)
class CheckResult:
    """The outcome of a check.

    Attributes
    ----------
    label : str
        The exercise label.
    status : {"correct", "not yet", "not attempted"}
    reason : str
        Why it is not yet correct (empty otherwise).
    """

    label: str
    status: Status
    reason: str = ""
    printed: bool = field(default=False, compare=False, repr=False)

    def __bool__(self) -> bool:
        return self.status == "correct"

    def __str__(self) -> str:
        if self.status == "correct":
            return f"[{self.label}] correct"
        if self.status == "not attempted":
            return f"[{self.label}] not attempted: replace the ... with your code and run the cell again"
        return f"[{self.label}] not yet: {self.reason}"

    __repr__ = __str__

    def _ipython_display_(self) -> None:
        # ``ex.check(f)`` already printed the verdict; a notebook would otherwise show it twice.
        if not self.printed:
            print(self)


@dataclass
class Exercise:
    """One exercise: its checker, hint and reference solution.

    Parameters
    ----------
    label : str
        The label of the ``{exercise}`` directive in the book, e.g. ``"ex-devices-bell"``.
    title : str
        One line that says what is asked.
    checker : callable
        ``checker(answer)``; calls :func:`expect` for each requirement. Returning normally means correct.
    hint : str or tuple of str
        Printed by :meth:`hint`. A tuple holds **graded hints**: the first call prints a nudge, the
        next a stronger hint, and so on; after the last one :meth:`hint` points to the solution.
    answer_name : str
        The name the notebook and the solution file give the answer (a function or a variable).
    points : float
        What a correct answer is worth when the exercise is graded (default 1).
    """

    label: str
    title: str
    checker: Callable[[Any], None]
    hint_text: str | tuple[str, ...]
    answer_name: str
    points: float = 1.0
    hints_given: int = field(default=0, compare=False, repr=False)

    # -- the learner's interface -------------------------------------------------------------
    def check(self, answer: Any = ..., *, verbose: bool = True) -> CheckResult:
        """Check ``answer`` and print the verdict. Never raises.

        Parameters
        ----------
        answer : object
            The learner's function or value; ``...`` (or an untouched stub function) is "not attempted".
        verbose : bool
            Print the verdict (default). The result is returned either way.

        Returns
        -------
        CheckResult
        """
        try:
            if is_stub(answer):
                result = CheckResult(self.label, "not attempted")
            else:
                self.checker(answer)
                result = CheckResult(self.label, "correct")
        except NotYet as exc:
            result = CheckResult(self.label, "not yet", str(exc))
        except Exception as exc:  # the learner's code raised: report it, never re-raise
            where = traceback.extract_tb(exc.__traceback__)[-1]
            result = CheckResult(
                self.label,
                "not yet",
                f"your code raised {type(exc).__name__}: {exc} (line {where.lineno} of {Path(where.filename).name})",
            )
        except BaseException as exc:  # KeyboardInterrupt and friends are the learner's to keep
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            result = CheckResult(self.label, "not yet", f"your code raised {type(exc).__name__}")
        if verbose:
            print(result)
            result = CheckResult(result.label, result.status, result.reason, printed=True)
        return result

    __call__ = check

    @property
    def hints(self) -> tuple[str, ...]:
        """All hints, from the gentlest to the strongest."""
        return (self.hint_text,) if isinstance(self.hint_text, str) else tuple(self.hint_text)

    def hint(self) -> str:
        """Print (and return) the next hint: a nudge first, then stronger ones.

        Examples
        --------
        >>> ex = Exercise("ex-demo-h", "t", lambda a: None, ("look at the shape", "use reshape"), "f")
        >>> _ = ex.hint(); _ = ex.hint(); _ = ex.hint()
        [ex-demo-h] hint 1 of 2: look at the shape
        [ex-demo-h] hint 2 of 2: use reshape
        [ex-demo-h] no more hints: ex.solution() shows a solution
        """
        hints = self.hints
        if self.hints_given >= len(hints):
            text = f"[{self.label}] no more hints: ex.solution() shows a solution"
        elif len(hints) == 1:
            text = f"[{self.label}] hint: {hints[0]}"
        else:
            text = f"[{self.label}] hint {self.hints_given + 1} of {len(hints)}: {hints[self.hints_given]}"
        self.hints_given = min(self.hints_given + 1, len(hints))
        print(text)
        return text

    @property
    def solution_path(self) -> Path:
        """The file that holds the reference solution."""
        return SOLUTIONS_DIR / f"{self.label.replace('-', '_')}.py"

    def solution_source(self) -> str:
        """The reference solution's source code.

        Raises
        ------
        SolutionNotShipped
            In the student release, which has no solutions.
        """
        if not solutions_available():
            raise SolutionNotShipped(f"[{self.label}] {STUDENT_EDITION_NOTE}")
        return self.solution_path.read_text()

    def solution(self) -> str:
        """Print (and return) the reference solution; in the student release, say that it is not included."""
        if not solutions_available():
            text = f"[{self.label}] {STUDENT_EDITION_NOTE}"
            print(text)
            return text
        source = self.solution_source()
        print(f"[{self.label}] a reference solution:\n\n{source}")
        return source

    def load_solution(self) -> Any:
        """Execute the reference solution and return the answer it defines (used by the tests).

        Raises
        ------
        SolutionNotShipped
            In the student release, which has no solutions.
        """
        namespace: dict[str, Any] = {"__name__": f"solution_{self.label}"}
        exec(compile(self.solution_source(), str(self.solution_path), "exec"), namespace)
        if self.answer_name not in namespace:
            raise LookupError(f"{self.solution_path} does not define {self.answer_name!r}")
        return namespace[self.answer_name]


def register(
    label: str, title: str, hint: str | Sequence[str], answer_name: str, *, points: float = 1.0
) -> Callable[[Callable[[Any], None]], Exercise]:
    """Decorator that turns a checker function into a registered :class:`Exercise`.

    ``points`` is what a correct answer is worth in the grader (positive; default 1).

    Examples
    --------
    >>> @register("ex-demo-square", "Square a number", "Multiply it by itself.", "square")
    ... def _check_square(square):
    ...     expect(square(3) == 9, "square(3) should be 9")
    >>> exercise("ex-demo-square").check(lambda x: x * x, verbose=False).status
    'correct'
    """

    if isinstance(points, bool) or not isinstance(points, (int, float)) or not points > 0:
        raise ValueError(f"points: expected a positive number, got {points!r}")

    if not isinstance(hint, str):
        hint = tuple(hint)
        if not hint or not all(isinstance(h, str) and h for h in hint):
            raise ValueError(f"hint: expected a text or a non-empty list of texts, got {hint!r}")

    def decorate(checker: Callable[[Any], None]) -> Exercise:
        ex = Exercise(label=label, title=title, checker=checker, hint_text=hint, answer_name=answer_name,
                      points=float(points))
        _REGISTRY[label] = ex
        return ex

    return decorate


def _load_chapters() -> None:
    """Import every chapter module of this package (``checks/<chapter>.py``); each registers its exercises."""
    for info in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{info.name}")


def exercise(label: str) -> Exercise:
    """The exercise with this label.

    Raises
    ------
    KeyError
        If no exercise has that label; the message lists the known labels.
    """
    if label not in _REGISTRY:
        _load_chapters()
    if label not in _REGISTRY:
        known = ", ".join(sorted(_REGISTRY))
        raise KeyError(f"label: no exercise called {label!r}; known labels: {known}")
    return _REGISTRY[label]


def all_exercises() -> list[Exercise]:
    """Every exercise of the course, sorted by label."""
    _load_chapters()
    return [_REGISTRY[k] for k in sorted(_REGISTRY) if not k.startswith("ex-demo-")]
