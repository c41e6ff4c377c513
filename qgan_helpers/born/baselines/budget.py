"""The largest baseline of a kind within a parameter budget, e.g. the QCBM's 162 angles.

:func:`make_baseline` picks the size (hidden units, bond dimensions) of a NADE, FVSBN, RBM or MPS
model so that it has at most ``max_params`` parameters: the fair comparison with a QCBM of that
many angles.
"""

from __future__ import annotations

from qgan_helpers import validation
from qgan_helpers.born.baselines.autoregressive import Autoregressive
from qgan_helpers.born.baselines.base import Baseline, check_n_bits
from qgan_helpers.born.baselines.mps import MPSBornMachine, mps_bond_dims
from qgan_helpers.born.baselines.rbm_baseline import RBMBaseline

__all__ = ["KINDS", "make_baseline"]

KINDS = ("nade", "rbm", "mps", "fvsbn")
"""Model kinds of :func:`make_baseline`."""


def make_baseline(kind: str, n_bits: int = 9, max_params: int = 162, n_starts: int = 1, init_seed: int = 0) -> Baseline:
    """The largest model of ``kind`` on ``n_bits`` bits with at most ``max_params`` parameters.

    Parameters
    ----------
    kind : {"nade", "rbm", "mps", "fvsbn"}
        ``"nade"``: :class:`Autoregressive` with ``H = (max_params - n) // (2 n)`` hidden units;
        ``"rbm"``: :class:`RBMBaseline` with ``h = (max_params - n) // (n + 1)``;
        ``"mps"``: :class:`MPSBornMachine` with :func:`mps_bond_dims`;
        ``"fvsbn"``: :class:`Autoregressive` with logistic conditionals (its size is fixed, ``n(n+1)/2``).
    n_bits : int
    max_params : int
        The budget, e.g. the QCBM's ``QCBM(...).n_params`` (162 for the course's circuit).
    n_starts, init_seed : int
        Random restarts and their seed.

    Raises
    ------
    ValueError
        For an unknown ``kind`` or a budget too small for the smallest model of that kind.

    Examples
    --------
    >>> [make_baseline(k).n_params for k in KINDS]
    [153, 159, 162, 45]
    """
    if kind not in KINDS:
        raise ValueError(f"kind: expected one of {list(KINDS)}, got {kind!r}")
    n = check_n_bits(n_bits)
    budget = validation.positive_int("max_params", max_params)
    smallest = {"nade": 3 * n, "rbm": 2 * n + 1, "mps": 2 * n, "fvsbn": n * (n + 1) // 2}[kind]
    if budget < smallest:
        raise ValueError(f"max_params: a {kind!r} model on {n} bits needs at least {smallest} parameters, got {budget}")
    if kind == "nade":
        return Autoregressive(n, (budget - n) // (2 * n), n_starts=n_starts, init_seed=init_seed)
    if kind == "fvsbn":
        return Autoregressive(n, None, n_starts=n_starts, init_seed=init_seed)
    if kind == "rbm":
        return RBMBaseline(n, (budget - n) // (n + 1), n_starts=n_starts, init_seed=init_seed)
    return MPSBornMachine(n, mps_bond_dims(n, budget), n_starts=n_starts, init_seed=init_seed)
