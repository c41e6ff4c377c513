"""The chapter "A quantum generator that draws 28x28 digits" (book/mnist28.ipynb) and its exercise checks.

The checks must accept the reference solutions, call an untouched stub "not attempted", and reject
answers that only return numbers copied from somewhere (a constant), or that use the wrong idea (the 8x8
map ``p / max p``, probabilities that were not post-selected). The page itself: it is a chapter right
after the hybrid one, every ``{glue:text}`` key its prose uses is glued by its code, its figures carry
captions and alt text, and it does not state the benchmark's targets.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml

from qgan_helpers.course.checks import exercise
from qgan_helpers.course.checks import mnist28 as checks

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "book" / "mnist28.ipynb"
LABELS = ["ex-mnist28-rowmap", "ex-mnist28-dark", "ex-mnist28-accuracy"]


def _status(label: str, answer) -> tuple[str, str]:
    result = exercise(label).check(answer, verbose=False)
    return result.status, str(result)


@pytest.mark.parametrize("label", LABELS)
def test_reference_solution_is_correct_and_stub_not_attempted(label: str) -> None:
    ex = exercise(label)
    assert ex.check(ex.load_solution(), verbose=False).status == "correct"

    def stub(*args, **kwargs):
        ...

    assert ex.check(stub, verbose=False).status == "not attempted"


def test_rowmap_rejects_a_constant_and_the_8x8_map() -> None:
    constant = torch.tanh(16.0 * checks._probs((5, 32), 0)[..., :28])
    assert _status("ex-mnist28-rowmap", lambda probs, gain, width=28: constant)[0] == "not yet"

    def by_max(probs, gain, width=28):
        return probs[..., :width] / probs.max(-1, keepdim=True).values

    status, text = _status("ex-mnist28-rowmap", by_max)
    assert status == "not yet" and "p / max p" in text

    def no_dark(probs, gain, width=28):  # paints every outcome
        return torch.tanh(gain * probs)

    assert _status("ex-mnist28-rowmap", no_dark)[0] == "not yet"


def test_dark_rejects_a_constant_and_probabilities_without_postselection() -> None:
    first = checks._dark_reference(checks._small_generator(1, 1.5), 3, 40, 0)
    second = checks._dark_reference(checks._small_generator(5, 3.0), 7, 30, 4)
    assert abs(first - second) > 0.05  # the two test generators differ: no constant passes both
    status, _ = _status("ex-mnist28-dark", lambda generator, digit, n=100, seed=0: first)
    assert status == "not yet"

    def raw(generator, digit, n=100, seed=0):  # forgets the ancilla: outcomes of all 4 qubits
        z = generator.sample_noise(n, torch.Generator().manual_seed(seed))
        with torch.no_grad():
            probs = generator.circuit_probs(z, torch.full((n,), digit))
        return float((probs[..., generator.image_side:].sum(-1) > 0.5).double().mean())

    assert _status("ex-mnist28-dark", raw)[0] == "not yet"


def test_accuracy_rejects_a_constant() -> None:
    want = checks._accuracy_reference(checks._Replay({}), 30, 0)
    other = checks._accuracy_reference(checks._Replay({3: 8, 8: 3, 5: 6}), 25, 9)
    assert np.abs(want - other).max() > 0.5  # swapped classes score near 0
    status, _ = _status("ex-mnist28-accuracy", lambda generator, n=100, seed=0: want)
    assert status == "not yet"
    status, _ = _status("ex-mnist28-accuracy", lambda generator, n=100, seed=0: np.ones(10))
    assert status == "not yet"


# -- the page ------------------------------------------------------------------------------------
def _cells() -> list[dict]:
    cells = json.loads(PAGE.read_text(encoding="utf-8"))["cells"]
    return [{**c, "text": "".join(c["source"]), "tags": c.get("metadata", {}).get("tags", [])} for c in cells]


def test_page_is_a_chapter_right_after_the_hybrid() -> None:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    for part in toc["parts"]:
        files = [ch["file"] for ch in part["chapters"]]
        if "book/hybrid" in files:
            assert files[files.index("book/hybrid") + 1] == "book/mnist28"
            assert part.get("numbered") and part["caption"] != "Appendix"
            return
    pytest.fail("book/hybrid is not in _toc.yml")


def test_every_glued_key_of_the_prose_is_glued_by_the_code() -> None:
    cells = _cells()
    used = {m for c in cells if c["cell_type"] == "markdown"
            for m in re.findall(r"\{glue:(?:text|md)\}`([\w-]+)", c["text"])}
    code = "\n".join(c["text"] for c in cells if c["cell_type"] == "code")
    literal = set(re.findall(r'glue\("([\w-]+)"', code))
    # the f-string keys: glue(f"mnist28-{key}-...") in loops over ("quantum", "q")-style pairs
    patterns = [re.compile("^" + re.sub(r"\\\{\w+\\\}", "[a-z]+", re.escape(p)) + "$")
                for p in re.findall(r'glue\(f"([\w{}-]+)"', code)]
    missing = sorted(k for k in used if k not in literal and not any(p.match(k) for p in patterns))
    assert used and not missing, f"glue keys used in the prose but never glued: {missing}"


def test_figures_have_captions_and_alt_text_and_the_explorer_says_it_needs_a_kernel() -> None:
    figures = [c for c in _cells() if c["cell_type"] == "code" and "mystnb" in c["metadata"]]
    assert len(figures) >= 3
    for c in figures:
        assert "hide-input" in c["tags"], c["id"]
        assert c["metadata"]["mystnb"]["figure"]["caption"].strip(), c["id"]
        assert len(c["metadata"]["mystnb"]["image"]["alt"]) > 40, c["id"]
    explorer = [c for c in figures if "widgets.interactive" in c["text"] or "widgets.interact(" in c["text"]]
    assert explorer and "running notebook" in explorer[0]["metadata"]["mystnb"]["figure"]["caption"]


def test_page_does_not_state_the_benchmark_targets() -> None:
    prose = "\n".join(c["text"] for c in _cells() if c["cell_type"] == "markdown")
    for target in (r"90\s*%", r"0\.90\b", r"15 minutes", r"\b5 s\b", r"\btarget"):
        assert not re.search(target, prose, re.I), target
