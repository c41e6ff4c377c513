"""The whole yardstick at once: score generated digits on held-out real images, beside reference rows.

:func:`evaluate_images` scores one set of generated images of one digit against the **held-out**
real images of that digit (never seen by any model) with every measure of the package:

====================  ==========================  ============================================
measure               best value                  catches
====================  ==========================  ============================================
two-sample accuracy   0.5                         anything a 1-NN classifier can see: blur,
                                                  speckle, collapse, shifts
Fréchet distance      0 (the real floor is > 0)   wrong feature statistics (shapes, variety)
precision             1                           unrealistic samples
recall, coverage      1                           missing kinds of real images, collapse
density               about 1                     samples crowding the typical image
MMD² (median width)   0                           differences of the average (a blur passes it)
classified as digit   1                           the wrong digit
nearer train          0.5 (flag: copying)         copies of the training images
====================  ==========================  ============================================

Every set-versus-set measure compares equally many images on both sides: as many generated
images as the digit has held-out images (89 zeros), drawn ``repeats`` times from the generated set,
and the numbers are the means over the draws. So at least that many images must be given.

:func:`reference_rows` scores what the numbers mean: the real training images (the **floor**: what
real data scores against real data), the mean image (a blur), the mean plus independent pixel
noise, uniform noise and PCA-Gaussians (:mod:`qgan_helpers.metrics.references`).
:class:`ScoreTable` prints rows side by side, as text or as an HTML table on the pages.

Examples
--------
>>> from qgan_helpers.metrics.datasets import real_images
>>> from qgan_helpers.metrics.references import mean_images
>>> train, _ = real_images("digits", "train", digit=0)
>>> blur = evaluate_images(mean_images(train, 89), digit=0, name="mean zero")
>>> blur.two_sample > 0.85, blur.recall < 0.05      # a blur is easy to spot and covers nothing
(True, True)
"""

from __future__ import annotations

import html
import json
import math
from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np

from qgan_helpers import validation
from qgan_helpers.metrics.datasets import dataset_spec, real_images
from qgan_helpers.metrics.features import features, predict_from_features
from qgan_helpers.metrics.frechet import frechet_distance
from qgan_helpers.metrics.memorisation import memorisation
from qgan_helpers.metrics.mmd import median_heuristic, mmd2
from qgan_helpers.metrics.prdc import prdc
from qgan_helpers.metrics.references import (
    PCAGaussian,
    mean_images,
    pca_components_for_budget,
    pixel_noise_images,
    uniform_images,
)
from qgan_helpers.metrics.two_sample import two_sample_test

__all__ = [
    "Measure",
    "MEASURES",
    "CLASS_KL",
    "ImageScores",
    "evaluate_images",
    "evaluate_generator",
    "reference_rows",
    "ScoreTable",
]


@dataclass(frozen=True)
class Measure:
    """One column of a :class:`ScoreTable`: the field, its header, what is best, its format."""

    key: str
    header: str
    best: str
    fmt: str
    meaning: str


MEASURES: tuple[Measure, ...] = (
    Measure("two_sample", "two-sample acc.", "0.5", "{:.2f}",
            "held-out accuracy of a 1-NN classifier telling generated from real images (0.5 = indistinguishable)"),
    Measure("frechet", "Fréchet dist.", "low", "{:.1f}", "Fréchet distance between feature Gaussians"),
    Measure("precision", "precision", "high", "{:.2f}", "generated images inside the real manifold"),
    Measure("recall", "recall", "high", "{:.2f}", "real images inside the generated manifold"),
    Measure("density", "density", "≈1", "{:.2f}", "real neighbourhoods per generated image, divided by k"),
    Measure("coverage", "coverage", "high", "{:.2f}", "real images with a generated image nearby"),
    Measure("mmd2", "MMD² (median σ)", "low", "{:.4f}", "MMD² with the median-heuristic kernel width"),
    Measure("digit_accuracy", "as digit", "high", "{:.2f}", "fraction the feature network classifies as the digit"),
    Measure("nearer_train", "nearer train", "0.5", "{:.2f}",
            "fraction nearer a training image than a held-out one (* = flagged as copying)"),
)
"""The columns of the suite, in display order."""

CLASS_KL = Measure("class_kl", "class KL", "0", "{:.3f}",
                   "KL divergence (nats) of the digits the feature network reads from the real class shares")
"""The column in place of ``as digit`` in a table whose rows are all scored against every digit."""


@dataclass
class ImageScores:
    """The suite's numbers for one set of images (one row of a :class:`ScoreTable`).

    Attributes
    ----------
    name : str
    params : int or None
        Parameters (or fitted numbers) of the model that made the images, when known.
    n : int
        Images per side of every set-versus-set comparison (the held-out count).
    two_sample, two_sample_spread : float
        Mean and spread (standard deviation over the draws) of the two-sample accuracy.
    frechet, precision, recall, density, coverage, mmd2 : float
        Means over the draws.
    digit_accuracy : float
        Fraction of all given images the feature network classifies as the digit (``nan`` when
        the images are scored against all ten digits, ``digit=None``).
    class_kl : float
        For ``digit=None``: KL divergence (nats) of the feature network's class histogram of the
        images from the real held-out one (0 = every digit as often as in the data; ``nan`` for one digit).
    nearer_train : float
        Memorisation test (:func:`qgan_helpers.metrics.memorisation.memorisation`).
    copying : bool
        The memorisation test's flag.
    digit : int
    dataset : str
    """

    name: str
    params: int | None
    n: int
    two_sample: float
    two_sample_spread: float
    frechet: float
    precision: float
    recall: float
    density: float
    coverage: float
    mmd2: float
    digit_accuracy: float
    nearer_train: float
    copying: bool
    digit: int | None
    dataset: str
    class_kl: float = float("nan")

    def as_dict(self) -> dict[str, Any]:
        """Plain values by field name (JSON-ready)."""
        return asdict(self)


def _check_repeats(repeats: Any) -> int:
    return validation.positive_int("repeats", repeats)


def _digit(digit: Any) -> int | None:
    return None if digit is None else validation.integer("digit", digit, 0, 9)


def _class_kl(pred: np.ndarray, real_labels: np.ndarray) -> float:
    p = np.bincount(pred, minlength=10) / len(pred)
    q = np.bincount(real_labels, minlength=10) / len(real_labels)
    nz = p > 0
    return float((p[nz] * np.log(p[nz] / q[nz])).sum())


_HELDOUT_STATS: dict[tuple[str, int | None], tuple[float, np.ndarray]] = {}


def _heldout_stats(dataset: str, digit: int | None, heldout: np.ndarray) -> tuple[float, np.ndarray]:
    """The median-heuristic width and the features of the held-out images, computed once per process."""
    key = (dataset, digit)
    if key not in _HELDOUT_STATS:
        f_held = features(heldout, dataset)
        f_held.setflags(write=False)
        _HELDOUT_STATS[key] = (median_heuristic(heldout), f_held)
    return _HELDOUT_STATS[key]


def evaluate_images(
    samples: Any,
    digit: int | None,
    *,
    dataset: str = "digits",
    name: str = "samples",
    params: int | None = None,
    repeats: int = 5,
    seed: int = 0,
) -> ImageScores:
    """Score generated images of one digit against that digit's held-out real images.

    Parameters
    ----------
    samples : array or tensor, shape (N, H, W) or (N, H*W)
        Generated images with pixels in ``[0, 1]``; ``N`` at least the digit's held-out count
        (89 for the 8x8 zeros).
    digit : int or None
        The digit they should show; ``None`` scores them against the held-out images of all ten
        digits (for a generator of every digit), with ``class_kl`` in place of ``digit_accuracy``.
    dataset : str
        Whose real images, feature network and split to use (``"digits"``: the bundled 8x8 digits).
    name : str
        Row name.
    params : int, optional
        The generator's parameter count, shown in the table.
    repeats : int
        Draws of ``n`` generated images (without replacement) that the measures are averaged over.
    seed : int

    Returns
    -------
    ImageScores
    """
    spec = dataset_spec(dataset)
    digit = _digit(digit)
    heldout, held_labels = real_images(spec.name, "heldout", digit)
    train, _ = real_images(spec.name, "train", digit)
    n = len(heldout)
    x = validation.image_batch("samples", samples, n_pixels=spec.n_pixels)
    if len(x) < n:
        which = f"digit {digit}" if digit is not None else "all digits"
        raise ValueError(
            f"samples: expected at least {n} images (as many as the held-out images of {which}), got {len(x)}"
        )
    repeats = _check_repeats(repeats)
    rng = np.random.default_rng(validation.seed(seed))
    if params is not None:
        params = validation.non_negative_int("params", params)
    sigma, f_held = _heldout_stats(spec.name, digit, heldout)
    f_all = features(x, spec.name)
    draws: dict[str, list[float]] = {k: [] for k in ("two_sample", "frechet", "precision", "recall", "density",
                                                     "coverage", "mmd2")}
    for r in range(repeats):
        idx = rng.choice(len(x), n, replace=False)
        draws["two_sample"].append(two_sample_test(heldout, x[idx], repeats=1, seed=int(seed) * 1000 + r).accuracy)
        draws["frechet"].append(frechet_distance(f_all[idx], f_held))
        for key, value in prdc(f_held, f_all[idx]).as_dict().items():
            draws[key].append(value)
        draws["mmd2"].append(float(mmd2(x[idx], heldout, sigma)))
    mem = memorisation(x[: max(n, min(len(x), 1000))], train, heldout, seed=int(seed))
    means = {k: float(np.mean(v)) for k, v in draws.items()}
    pred = predict_from_features(f_all, spec.name)
    return ImageScores(
        name=str(name), params=params, n=n, two_sample_spread=float(np.std(draws["two_sample"])), **means,
        digit_accuracy=float((pred == digit).mean()) if digit is not None else float("nan"),
        nearer_train=mem.nearer_train, copying=mem.flagged, digit=digit, dataset=spec.name,
        class_kl=_class_kl(pred, held_labels) if digit is None else float("nan"),
    )


def evaluate_generator(
    generator: Any,
    digit: int | None,
    *,
    dataset: str = "digits",
    name: str | None = None,
    label: int | None = None,
    repeats: int = 5,
    seed: int = 0,
) -> ImageScores:
    """Sample a generator and score the samples with :func:`evaluate_images`.

    Draws ``repeats`` times as many images as the digit has held-out images (445 for the zeros),
    from noise seeded by ``seed``, so that the draws of :func:`evaluate_images` are disjoint.

    Parameters
    ----------
    generator : torch.nn.Module
        A course generator (noise -> images in ``[0, 1]``); its trainable parameters are counted.
    digit : int or None
        The digit to score against (``None``: all ten digits, for an unconditional generator of
        every digit).
    dataset : str
    name : str, optional
        Row name (default: the generator's class name).
    label : int, optional
        For a conditional generator, the class to draw (default: ``digit``).
    repeats, seed : int

    Returns
    -------
    ImageScores
    """
    import torch

    from qgan_helpers.models.sampling import generate

    if not isinstance(generator, torch.nn.Module):
        raise TypeError(f"generator: expected a torch.nn.Module, got {type(generator).__name__}")
    spec = dataset_spec(dataset)
    digit = _digit(digit)
    repeats = _check_repeats(repeats)
    n = len(real_images(spec.name, "heldout", digit)[0]) * repeats
    conditional = bool(getattr(generator, "n_classes", 0) or 0)
    if conditional and digit is None and label is None:
        raise ValueError("digit: a conditional generator is scored one digit at a time; pass a digit (or a label)")
    labels = (digit if label is None else validation.integer("label", label, 0)) if conditional else None
    samples = generate(generator, n, seed=validation.seed(seed), labels=labels, image_shape=spec.image_shape)
    params = int(sum(p.numel() for p in generator.parameters() if p.requires_grad))
    return evaluate_images(samples, digit, dataset=spec.name, name=name or type(generator).__name__,
                           params=params, repeats=repeats, seed=seed)


def reference_rows(
    digit: int | None,
    *,
    dataset: str = "digits",
    budget: int | None = None,
    pca_components: tuple[int, ...] = (1, 2, 5),
    repeats: int = 5,
    seed: int = 0,
) -> list[ImageScores]:
    """The reference rows for one digit: what the measures give when no GAN is involved.

    Rows: the real training images against the held-out ones (the floor), the mean image repeated
    (a blur), the mean plus independent pixel noise, uniform noise, and PCA-Gaussians with
    ``pca_components`` components -- plus the one whose size matches ``budget`` (the largest ``k``
    with ``D * (k + 1) <= budget``) when a budget is given.

    Parameters
    ----------
    digit : int
    dataset : str
    budget : int, optional
        A generator's parameter count, to add the PCA-Gaussian of matching size.
    pca_components : tuple of int
    repeats, seed : int
        As in :func:`evaluate_images`.

    Returns
    -------
    list of ImageScores
    """
    spec = dataset_spec(dataset)
    digit = _digit(digit)
    repeats = _check_repeats(repeats)
    train, _ = real_images(spec.name, "train", digit)
    n_held = len(real_images(spec.name, "heldout", digit)[0])
    n_draw = n_held * repeats
    ks = {validation.integer("pca_components", k, 1, len(train) - 1) for k in pca_components}
    if budget is not None:
        ks.add(pca_components_for_budget(validation.positive_int("budget", budget), spec.n_pixels))
    common = {"digit": digit, "dataset": spec.name, "repeats": repeats, "seed": seed}
    rows = [
        evaluate_images(train, name="real training images (floor)", **common),
        evaluate_images(mean_images(train, n_held), name="mean image (a blur)", params=spec.n_pixels, **common),
        evaluate_images(pixel_noise_images(train, n_draw, seed=seed), name="mean + pixel noise",
                        params=2 * spec.n_pixels, **common),
        evaluate_images(uniform_images(n_draw, spec.n_pixels, seed=seed), name="uniform noise", params=0, **common),
    ]
    for k in sorted(ks):
        pca = PCAGaussian.fit(train, k)
        rows.append(evaluate_images(pca.sample(n_draw, seed=seed), name=f"PCA-Gaussian, k = {k}",
                                    params=pca.n_params, **common))
    return rows


class ScoreTable:
    """Rows of :class:`ImageScores` side by side: text (``print``), HTML (on a page) or JSON.

    The columns are :data:`MEASURES`; when every row was scored against all ten digits (``digit=None``)
    the column ``class KL`` (:data:`CLASS_KL`) takes the place of ``as digit``.

    Parameters
    ----------
    rows : list of ImageScores
    title : str, optional

    Examples
    --------
    >>> from qgan_helpers.metrics.datasets import real_images
    >>> train, _ = real_images("digits", "train", digit=1)
    >>> table = ScoreTable([evaluate_images(train, 1, name="real")])
    >>> "two-sample acc." in str(table)
    True
    """

    def __init__(self, rows: list[ImageScores], title: str | None = None) -> None:
        if not isinstance(rows, (list, tuple)) or not all(isinstance(r, ImageScores) for r in rows):
            raise TypeError(f"rows: expected a list of ImageScores, got {type(rows).__name__}")
        self.rows = list(rows)
        self.title = title

    def __getitem__(self, name: str) -> ImageScores:
        for row in self.rows:
            if row.name == name:
                return row
        raise KeyError(f"name: no row called {name!r}; rows are {[r.name for r in self.rows]}")

    @staticmethod
    def _cell(row: ImageScores, m: Measure) -> str:
        value = getattr(row, m.key)
        text = m.fmt.format(value) if value is not None and math.isfinite(value) else "–"
        if m.key == "nearer_train" and row.copying:
            text += "*"
        return text

    def measures(self) -> tuple[Measure, ...]:
        """The columns: :data:`MEASURES`, with :data:`CLASS_KL` in place of ``as digit`` when every row was
        scored against all ten digits (``digit=None``), whose ``as digit`` is undefined."""
        if self.rows and all(r.digit is None for r in self.rows):
            return tuple(CLASS_KL if m.key == "digit_accuracy" else m for m in MEASURES)
        return MEASURES

    def _records(self) -> tuple[list[str], list[list[str]], list[str]]:
        columns = self.measures()
        header = ["", "params"] + [m.header for m in columns]
        body = [[r.name, "–" if r.params is None else f"{r.params:,}"] + [self._cell(r, m) for m in columns]
                for r in self.rows]
        return header, body, ["best", ""] + [m.best for m in columns]

    def __str__(self) -> str:
        header, body, best = self._records()
        widths = [max(len(row[i]) for row in [header, *body]) for i in range(len(header))]
        lines = [self.title] if self.title else []
        fmt = lambda cells: "  ".join(  # noqa: E731
            c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths))
        )
        lines += [fmt(header), fmt(best)]
        lines += [fmt(row) for row in body]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        header, body, best = self._records()
        esc = html.escape
        head = "".join(f"<th>{esc(h)}</th>" for h in header)
        rows = "".join(
            "<tr>" + "".join(f"<td>{esc(c)}</td>" for c in cells) + "</tr>" for cells in [best, *body]
        )
        caption = f"<caption>{esc(self.title)}</caption>" if self.title else ""
        return (f'<table class="table score-table">{caption}<thead><tr>{head}</tr></thead>'
                f"<tbody>{rows}</tbody></table>")

    def to_json(self) -> str:
        """The rows as a JSON list of objects."""
        return json.dumps([r.as_dict() for r in self.rows], indent=2)

    @staticmethod
    def fields() -> list[str]:
        """The attribute names of a row."""
        return [f.name for f in fields(ImageScores)]
