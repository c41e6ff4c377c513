"""What a person grades: the written answers the chapters ask for and the projects, each with a rubric.

The automatic checks grade code. The chapters also ask for text -- the second half of
``ex-devices-density-memory``, the discussion questions of the instructor guide -- and two chapters
end in a project. :data:`MANUAL_ITEMS` lists them with their points and a rubric; the grader puts one
row per student and item into the manual-grading sheet (:mod:`.reports`), with the student's
written text next to it, and adds the points the instructor fills in to the totals.

Examples
--------
>>> item = manual_item("project-training")
>>> item.kind, item.max_points, sum(p for _, p in item.rubric) == item.max_points
('project', 10.0, True)
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ManualItem", "MANUAL_ITEMS", "manual_item", "items_for"]


@dataclass(frozen=True)
class ManualItem:
    """One piece of work graded by a person.

    Attributes
    ----------
    id : str
        Stable identifier, e.g. ``"devices-memory-written"``.
    chapter : str
        The chapter it belongs to (its notebook's name); projects are their own gradebook column.
    kind : {"written", "discussion", "project"}
    prompt : str
        What the student is asked.
    max_points : float
    rubric : tuple of (str, float)
        Criteria and their points; they add up to ``max_points``.
    """

    id: str
    chapter: str
    kind: str
    prompt: str
    max_points: float
    rubric: tuple[tuple[str, float], ...]

    def __post_init__(self) -> None:
        if self.kind not in ("written", "discussion", "project"):
            raise ValueError(f"kind: expected 'written', 'discussion' or 'project', got {self.kind!r}")
        if abs(sum(p for _, p in self.rubric) - self.max_points) > 1e-9:
            raise ValueError(f"rubric: the criteria of {self.id} add up to {sum(p for _, p in self.rubric)}, "
                             f"not max_points={self.max_points}")

    def rubric_text(self) -> str:
        """The rubric on one line: ``"criterion (2); criterion (1)"``."""
        return "; ".join(f"{text} ({points:g})" for text, points in self.rubric)


def _discussion(chapter: str, prompt: str, *criteria: str) -> ManualItem:
    return ManualItem(f"{chapter}-discussion", chapter, "discussion", prompt, float(len(criteria)),
                      tuple((c, 1.0) for c in criteria))


MANUAL_ITEMS: tuple[ManualItem, ...] = (
    ManualItem(
        "devices-memory-written", "devices", "written",
        "Second half of ex-devices-density-memory: how many qubits can default.mixed hold in 1 GiB?",
        2.0,
        (("the right number of qubits (13: 16 * 4**13 bytes = 1 GiB, so 14 no longer fit)", 1.0),
         ("the reasoning shows the 16 * 4**n bytes and compares them with 2**30", 1.0)),
    ),
    _discussion("gans", "Why does the course insist on a classical baseline with the same number of parameters?",
                "names what a baseline rules out (a quantum model that only looks good next to nothing)",
                "explains why the parameter count must match (capacity, not architecture, would otherwise win)"),
    _discussion("measuring", "The PCA-Gaussian is hard to tell from real zeros but covers few of them. Which of the "
                "two would you rather have, and which measure would you report to a sceptical reader?",
                "distinguishes fidelity (two-sample test) from variety (recall and coverage)",
                "chooses a measure and justifies it for the reader's doubt"),
    _discussion("devices", "Which simulator would you pick for 12 qubits with noise, and why?",
                "picks default.mixed (or a noise-capable device) and not a state-vector simulator",
                "uses the memory of a 12-qubit density matrix (16 * 4**12 bytes = 256 MiB) in the argument"),
    _discussion("ansatz", "What does a 16-dimensional latent on 4 qubits cost, and is it worth it?",
                "states the cost (amplitude encoding: state preparation depth, or 16 angles on 4 wires)",
                "weighs it against what the generator gains"),
    _discussion("measurement", "Why can a generator that ignores z draw only one image?",
                "a circuit without z is one fixed distribution: every sample comes from the same probabilities",
                "connects it to the chapter's fix (encode z first)"),
    _discussion("hybrid", "How much of the image is made by the circuit and how much by the classical decoder, "
                "and how would you find out?",
                "separates the two contributions (e.g. the decoder alone, random features of the same size)",
                "proposes a measurement that would tell them apart"),
    _discussion("mitigation", "With a fixed budget of shots, when is error mitigation worth its extra circuit "
                "executions?",
                "names the trade-off (bias removed vs variance added by fewer shots per circuit)",
                "gives a condition or an example from the chapter's numbers"),
    ManualItem(
        "project-training", "training", "project",
        "Change one setting of the patch QGAN (depth, learning rate, number of sub-generators), retrain with the "
        "command line, and compare MMD² with the classical generator of equal size.",
        10.0,
        (("one setting changed, with a stated expectation before the run", 2.0),
         ("reproducible: the exact command, seed and checkpoint are given", 2.0),
         ("MMD² compared with the classical generator of equal size, with the spread over seeds", 3.0),
         ("an honest conclusion, including what the result does not show", 3.0)),
    ),
    ManualItem(
        "project-tips", "tips", "project",
        "Pick one row of the tips table and design a measurement that would change your mind about it.",
        10.0,
        (("the claim is stated precisely (what, under which conditions)", 2.0),
         ("the measurement: what is varied, what is held fixed, how many repeats", 4.0),
         ("which outcome would change your mind, decided before measuring", 2.0),
         ("the cost of the measurement (circuit executions or time) is estimated", 2.0)),
    ),
)


def manual_item(item_id: str) -> ManualItem:
    """The item with this id.

    Raises
    ------
    KeyError
        If there is none; the message lists the ids.
    """
    for item in MANUAL_ITEMS:
        if item.id == item_id:
            return item
    raise KeyError(f"item_id: no manual item {item_id!r}; known: {', '.join(i.id for i in MANUAL_ITEMS)}")


def items_for(chapters: list[str] | set[str]) -> list[ManualItem]:
    """The manual items of these chapters, in :data:`MANUAL_ITEMS` order.

    Examples
    --------
    >>> [i.id for i in items_for({"devices"})]
    ['devices-memory-written', 'devices-discussion']
    """
    return [item for item in MANUAL_ITEMS if item.chapter in set(chapters)]
