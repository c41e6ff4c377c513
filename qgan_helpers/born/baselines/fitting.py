"""Training a classical baseline like the QCBM: Adam on an exact loss, several starts, the best one kept.

:func:`fit_baseline` follows :func:`qgan_helpers.born.qcbm.fit_qcbm` step for step -- the same MMD
loss (:func:`qgan_helpers.born.metrics.mmd2_exact`, same kernel) or maximum likelihood, all random
starts at once, the start with the lowest final *training loss* kept -- and records the same curves
(loss, KL divergence, valid rate χ) in a :class:`BaselineFit`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from qgan_helpers import validation
from qgan_helpers.born.baselines.base import Baseline
from qgan_helpers.born.metrics import (
    DEFAULT_SIGMAS,
    distribution_metrics,
    hamming_kernel_matrix,
    kl_divergence,
    mmd2_exact,
    valid_rate,
)
from qgan_helpers.born.qcbm import torch_threads
from qgan_helpers.quantum.measurement import check_probs

__all__ = ["LOSSES", "BaselineFit", "fit_baseline"]

LOSSES = ("mmd", "nll")
"""Training losses of :func:`fit_baseline`: the QCBM's MMD, or the negative log-likelihood."""


@dataclass
class BaselineFit:
    """The result of :func:`fit_baseline` (the same fields as :class:`qgan_helpers.born.qcbm.QCBMFit`).

    Attributes
    ----------
    model : Autoregressive, RBMBaseline or MPSBornMachine
        The selected start (``n_starts == 1``), in eval mode.
    best_start : int
        Which start was kept (lowest final training loss).
    eval_step : numpy.ndarray of int, shape (E,)
    loss, kl, chi : numpy.ndarray, shape (E, n_starts)
        Training loss, KL(p || q) and valid rate χ of every start at each recorded step.
    metrics : dict
        ``{"loss", "mmd", "nll", "kl", "chi"}`` of the kept start after the last step (exact).
    steps : int
    wall_time, cpu_time : float
        Seconds of training.
    settings : dict
    """

    model: Baseline
    best_start: int
    eval_step: np.ndarray
    loss: np.ndarray
    kl: np.ndarray
    chi: np.ndarray
    metrics: dict[str, float]
    steps: int
    wall_time: float
    cpu_time: float
    settings: dict[str, Any] = field(default_factory=dict)


def _data(p_data: Any, n_bits: int) -> torch.Tensor:
    if isinstance(p_data, torch.Tensor):
        pt = p_data.detach().to(torch.float64)
    else:
        try:
            pt = torch.as_tensor(np.asarray(p_data, dtype=np.float64))
        except (TypeError, ValueError):
            raise ValueError(f"p_data: expected a probability vector of shape (2**n,), got {type(p_data).__name__}") from None
    if pt.ndim != 1:
        raise ValueError(f"p_data: expected one probability vector of shape (2**n,), got shape {tuple(pt.shape)}")
    n = check_probs(pt, "p_data")
    if n != n_bits:
        raise ValueError(f"p_data: expected {2**n_bits} outcomes for a model on {n_bits} bits, got {pt.shape[0]}")
    return pt


def fit_baseline(
    model: Baseline,
    p_data: Any,
    *,
    loss: str = "mmd",
    sigmas: float | Sequence[float] = DEFAULT_SIGMAS,
    steps: int = 200,
    lr: float = 0.1,
    eval_every: int = 1,
    threads: int | None = 1,
) -> BaselineFit:
    """Train a classical baseline with Adam on an exact loss, all starts at once; keep the best start.

    The protocol of :func:`qgan_helpers.born.qcbm.fit_qcbm`: one summed loss over the starts per step
    (Adam's updates are per parameter, so the starts do not interact), and at the end the start with
    the lowest final **training loss** is kept (never the KL, which the model must not see).

    Parameters
    ----------
    model : Autoregressive, RBMBaseline or MPSBornMachine
        Trained in place (e.g. from :func:`~qgan_helpers.born.baselines.make_baseline`).
    p_data : array or tensor, shape (2**n_bits,)
        The data distribution.
    loss : {"mmd", "nll"}
        ``"mmd"``: the QCBM's loss, :func:`~qgan_helpers.born.metrics.mmd2_exact` with the kernel
        mixture ``sigmas``; ``"nll"``: the exact negative log-likelihood ``-sum_x p(x) log q(x)``
        (maximum likelihood; equal to ``KL(p || q)`` plus the data entropy).
    sigmas : float or sequence of float
        Bandwidths of the MMD kernel (used for ``loss="mmd"`` and always reported in ``metrics["mmd"]``).
    steps : int
    lr : float
        Adam's learning rate.
    eval_every : int
        Record the curves every ``eval_every`` steps.
    threads : int or None
        torch threads during training (see :func:`qgan_helpers.born.qcbm.torch_threads`).

    Returns
    -------
    BaselineFit

    Raises
    ------
    ValueError
        For a model that is not a baseline of this module, a ``p_data`` that is not a distribution
        over ``2**n_bits`` outcomes, an unknown ``loss`` or bad hyperparameters.

    Examples
    --------
    >>> from qgan_helpers.born.bars_stripes import bas_distribution
    >>> from qgan_helpers.born.baselines import make_baseline
    >>> fit = fit_baseline(make_baseline("rbm", 4, 30, n_starts=2), bas_distribution(2, 2), loss="mmd", steps=40)
    >>> bool(fit.kl[-1].min() < fit.kl[0].min())
    True
    """
    if not isinstance(model, Baseline):
        raise ValueError(f"model: expected an Autoregressive, RBMBaseline or MPSBornMachine, got {type(model).__name__}")
    if loss not in LOSSES:
        raise ValueError(f"loss: expected one of {list(LOSSES)}, got {loss!r}")
    pt = _data(p_data, model.n_bits)
    steps = validation.positive_int("steps", steps)
    eval_every = validation.positive_int("eval_every", eval_every)
    lr = validation.positive_number("lr", lr)
    kernel = hamming_kernel_matrix(model.n_bits, sigmas)
    support = pt > 0

    def losses(logq: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        q = logq.exp()
        mmd = mmd2_exact(pt, q, kernel)
        nll = -(pt[support] * logq[:, support]).sum(-1)
        return (mmd if loss == "mmd" else nll), mmd, nll

    opt = torch.optim.Adam(model.parameters(), lr=lr)
    rec_step: list[int] = []
    rec_loss: list[np.ndarray] = []
    rec_kl: list[np.ndarray] = []
    rec_chi: list[np.ndarray] = []

    def record(step: int, logq: torch.Tensor, value: torch.Tensor) -> None:
        q = logq.detach().exp()
        rec_step.append(step)
        rec_loss.append(value.detach().numpy().copy())
        rec_kl.append(np.atleast_1d(kl_divergence(pt, q)))
        rec_chi.append(np.atleast_1d(valid_rate(pt, q)))

    t0, c0 = time.perf_counter(), time.process_time()
    with torch_threads(threads):
        model.train()
        for step in range(steps):
            logq = model.log_probs()
            value = losses(logq)[0]
            if step % eval_every == 0:
                record(step, logq, value)
            opt.zero_grad(set_to_none=True)
            value.sum().backward()
            opt.step()
        with torch.no_grad():
            logq = model.log_probs()
            value, mmd, nll = losses(logq)
        record(steps, logq, value)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    final = rec_loss[-1]
    if not np.all(np.isfinite(final)):
        raise FloatingPointError(f"training diverged: final {loss} losses {final.tolist()}")
    best = int(np.argmin(final))
    chosen = model.select(best).eval()
    q_best = logq[best].exp()
    metrics = {"loss": float(final[best]), "mmd": float(mmd[best]), "nll": float(nll[best]), **distribution_metrics(pt, q_best)}
    return BaselineFit(
        model=chosen, best_start=best, eval_step=np.asarray(rec_step), loss=np.stack(rec_loss), kl=np.stack(rec_kl),
        chi=np.stack(rec_chi), metrics=metrics, steps=steps, wall_time=wall, cpu_time=cpu,
        settings=_settings(model, loss, sigmas, steps, lr, threads),
    )


def _settings(
    model: Baseline, loss: str, sigmas: float | Sequence[float], steps: int, lr: float, threads: int | None
) -> dict[str, Any]:
    """The JSON-able record of how a fit was made (:attr:`BaselineFit.settings`)."""
    return {
        "model": type(model).__name__,
        "config": {k: v for k, v in model.config().items() if k != "init_seed"},
        "loss": loss,
        "sigmas": list(np.atleast_1d(np.asarray(sigmas, dtype=float)).tolist()),
        "steps": steps,
        "lr": lr,
        "n_starts": model.n_starts,
        "seed": model.init_seed,
        "optimizer": "Adam",
        "torch_threads": threads if threads is not None else torch.get_num_threads(),
        "parameters_per_start": model.n_params,
    }
