r"""A quantum Boltzmann machine (QBM) with a transverse field, simulated exactly (Amin et al. 2018).

Qubits ``1..n`` (the first ``n_v`` visible, the rest hidden) carry the transverse-field Ising Hamiltonian

.. math:: H = -\sum_i b_i Z_i - \sum_{(i,j)} w_{ij} Z_i Z_j - \Gamma \sum_i X_i ,
          \qquad \rho = \frac{e^{-H}}{\operatorname{Tr} e^{-H}},
          \qquad P(v) = \operatorname{Tr}\big[(|v\rangle\langle v| \otimes I_{\text{hidden}})\,\rho\big].

With ``Gamma = 0`` everything is diagonal and this is a classical Boltzmann machine; ``Gamma > 0``
adds the non-commuting ``X`` terms that make ``rho`` a quantum (Gibbs) state. A qubit reading bit 0
has ``Z = +1`` (spin ``z = 1 - 2 x``).

Exact simulation
----------------
:meth:`QBM.density_matrix` builds the ``2**n x 2**n`` matrix ``H`` and takes
``torch.linalg.matrix_exp`` -- exact and differentiable, and exponential in ``n``: at most
:data:`MAX_QUBITS` qubits here. (Shifting ``H`` by a lower bound of its spectrum before exponentiating
keeps ``e^{-H}`` from overflowing; the shift cancels in ``rho``.)

Training: the bound-based gradient ("bQBM")
-------------------------------------------
The exact log-likelihood gradient of a QBM needs ``d e^{-H} / d theta``, which does not simplify
because ``H`` and its derivative do not commute. Amin et al. bound ``P(v)`` from below with the
Golden--Thompson inequality, ``P(v) >= Tr e^{-H_v} / Tr e^{-H}``, where the *clamped* Hamiltonian
``H_v = <v|H|v>`` acts on the hidden qubits only (the visible ``X`` terms drop out). Minimising the
bound ``L~ = -sum_v p_data(v) log(Tr e^{-H_v} / Tr e^{-H})`` gives Boltzmann-machine-like updates

.. math:: \delta b_i \propto \overline{\langle Z_i\rangle_v} - \langle Z_i\rangle,
          \qquad \delta w_{ij} \propto \overline{\langle Z_i Z_j\rangle_v} - \langle Z_i Z_j\rangle,

a *positive phase* (thermal averages with the visible qubits clamped to each data pattern, averaged
over the data) minus a *negative phase* (averages in the free model). Only diagonal observables
appear, so both phases need only the diagonal of a Gibbs state: exactly what sampling a device in the
computational basis would give. :meth:`QBM.bound_gradient` computes them explicitly; the tests check it
against torch autograd of :meth:`QBM.bound_nll`, and against the exact gradient at ``Gamma = 0``,
where the bound is tight. ``Gamma`` itself is a fixed hyperparameter: the bound cannot train it.

:func:`fit_boltzmann` trains a :class:`QBM` (bound or exact gradient) or a classical
:class:`~qgan_helpers.born.rbm.RBM` (exact gradient) with Adam, recording the exact KL divergence.

Examples
--------
>>> from qgan_helpers.born.bars_stripes import bas_distribution
>>> qbm = QBM(n_visible=4, n_hidden=2, gamma=0.5)
>>> p = qbm.visible_probs()
>>> tuple(p.shape), round(float(p.sum()), 10)
((16,), 1.0)
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from qgan_helpers import validation
from qgan_helpers.born.bars_stripes import all_bitstrings
from qgan_helpers.born.metrics import distribution_metrics, kl_divergence, sample_bitstrings_from_probs
from qgan_helpers.born.qcbm import torch_threads
from qgan_helpers.born.rbm import RBM
from qgan_helpers.quantum.measurement import check_probs

__all__ = ["MAX_QUBITS", "CONNECTIVITIES", "GRADIENTS", "QBM", "BoltzmannFit", "fit_boltzmann", "transverse_field_matrix"]

MAX_QUBITS = 8
"""Largest ``n_visible + n_hidden`` simulated exactly (a 256 x 256 density matrix)."""

CONNECTIVITIES = ("restricted", "full")
"""``"restricted"``: couplings only between visible and hidden qubits (the RBM graph);
``"full"``: every pair of qubits."""

GRADIENTS = ("bound", "exact")
"""``"bound"``: Amin et al.'s bQBM gradient; ``"exact"``: autograd through ``matrix_exp``."""


def _gamma(value: Any) -> float:
    return validation.number("gamma", value, 0)


def transverse_field_matrix(n: int) -> torch.Tensor:
    """``sum_i X_i`` on ``n`` qubits as a dense 0/1 matrix of shape ``(2**n, 2**n)``.

    ``X_i`` flips bit ``i`` (wire 0 = most significant bit), so entry ``[k, k ^ 2**(n-1-i)]`` is 1.

    Examples
    --------
    >>> transverse_field_matrix(1).tolist()
    [[0.0, 1.0], [1.0, 0.0]]
    """
    n = validation.integer("n", n, 0, MAX_QUBITS)
    k = torch.arange(2**n)
    out = torch.zeros(2**n, 2**n, dtype=torch.float64)
    for i in range(n):
        out[k, k ^ (1 << (n - 1 - i))] = 1.0
    return out


def _visible_distribution(p_data: Any, n_visible: int) -> torch.Tensor:
    """``p_data`` checked to be a distribution over the ``2**n_visible`` visible bit strings, as float64."""
    if isinstance(p_data, torch.Tensor):
        p = p_data.detach().to(torch.float64)
    else:
        try:
            p = torch.as_tensor(np.asarray(p_data, dtype=np.float64))
        except (TypeError, ValueError):
            raise TypeError(f"p_data: expected a probability vector of shape ({2**n_visible},), got {type(p_data).__name__}") from None
    if p.ndim != 1 or p.shape[0] != 2**n_visible:
        raise ValueError(
            f"p_data: expected a distribution over the {2**n_visible} visible bit strings "
            f"(shape ({2**n_visible},)), got shape {tuple(p.shape)}"
        )
    check_probs(p, "p_data")
    return p


class QBM(nn.Module):
    """Transverse-field Ising quantum Boltzmann machine with visible and hidden qubits, simulated exactly.

    Parameters
    ----------
    n_visible : int
        Visible qubits (one per data bit), ``>= 1``.
    n_hidden : int
        Hidden qubits, ``>= 0``; ``n_visible + n_hidden <= MAX_QUBITS``.
    gamma : float
        The transverse field ``Gamma >= 0`` on every qubit (fixed, not trained).
    connectivity : {"restricted", "full"}
        Which ``Z_i Z_j`` couplings exist (see :data:`CONNECTIVITIES`); ``"restricted"`` needs hidden qubits.
    init_scale : float
        Standard deviation of the initial couplings (fields start at 0).
    init_seed : int

    Attributes
    ----------
    b : torch.nn.Parameter, shape (n,)
        Longitudinal fields, visible qubits first.
    w : torch.nn.Parameter, shape (n_pairs,)
        Couplings of :attr:`pairs`.
    pairs : list of (int, int)

    Raises
    ------
    ValueError
        If ``n_visible + n_hidden`` exceeds :data:`MAX_QUBITS` (exact simulation is exponential).

    Examples
    --------
    >>> QBM(4, 2).pairs[:3]
    [(0, 4), (0, 5), (1, 4)]
    >>> QBM(4, 2).n_params          # 6 fields + 8 couplings, like an RBM of the same size
    14
    """

    def __init__(
        self,
        n_visible: int,
        n_hidden: int = 2,
        gamma: float = 1.0,
        connectivity: str = "restricted",
        init_scale: float = 0.1,
        init_seed: int = 0,
    ) -> None:
        super().__init__()
        n_visible = validation.positive_int("n_visible", n_visible)
        n_hidden = validation.non_negative_int("n_hidden", n_hidden)
        if n_visible + n_hidden > MAX_QUBITS:
            raise ValueError(
                f"n_visible + n_hidden: expected at most {MAX_QUBITS} qubits for exact simulation "
                f"(the density matrix has 4**n entries), got {n_visible} + {n_hidden} = {n_visible + n_hidden}"
            )
        if connectivity not in CONNECTIVITIES:
            raise ValueError(f"connectivity: expected one of {list(CONNECTIVITIES)}, got {connectivity!r}")
        if connectivity == "restricted" and n_hidden == 0:
            raise ValueError("connectivity: 'restricted' couples visible to hidden qubits only; expected n_hidden >= 1, got 0")
        init_scale = validation.number("init_scale", init_scale, 0)
        self.n_visible, self.n_hidden = n_visible, n_hidden
        self.n_qubits = n = n_visible + n_hidden
        self.connectivity = connectivity
        self.init_scale = float(init_scale)
        self.init_seed = validation.non_negative_int("init_seed", init_seed)
        if connectivity == "restricted":
            self.pairs = [(i, n_visible + j) for i in range(n_visible) for j in range(n_hidden)]
        else:
            self.pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
        gen = torch.Generator().manual_seed(self.init_seed)
        self.b = nn.Parameter(torch.zeros(n, dtype=torch.float64))
        self.w = nn.Parameter(torch.randn(len(self.pairs), generator=gen, dtype=torch.float64) * self.init_scale)
        self.register_buffer("_gamma", torch.tensor(_gamma(gamma), dtype=torch.float64))
        spins = 1.0 - 2.0 * torch.as_tensor(all_bitstrings(n), dtype=torch.float64)  # (2**n, n)
        if self.pairs:
            i, j = torch.tensor(self.pairs).T
            couplings = spins[:, i] * spins[:, j]
        else:
            couplings = torch.zeros(2**n, 0, dtype=torch.float64)
        # features T(config) = (z_1..z_n, z_i z_j for each pair): H's diagonal is -T @ theta
        self.register_buffer("features", torch.cat([spins, couplings], dim=1), persistent=False)
        self.register_buffer("x_all", transverse_field_matrix(n), persistent=False)
        self.register_buffer("x_hidden", transverse_field_matrix(n_hidden), persistent=False)

    # -- description ---------------------------------------------------------------------------
    @property
    def gamma(self) -> float:
        """The transverse field ``Gamma`` (settable; not a trainable parameter)."""
        return float(self._gamma)

    @gamma.setter
    def gamma(self, value: float) -> None:
        self._gamma.fill_(_gamma(value))

    @property
    def n_params(self) -> int:
        """Trainable parameters: ``n`` fields + one coupling per pair (``Gamma`` is fixed)."""
        return self.n_qubits + len(self.pairs)

    def config(self) -> dict[str, Any]:
        """The constructor arguments (JSON-able)."""
        return {
            "n_visible": self.n_visible,
            "n_hidden": self.n_hidden,
            "gamma": self.gamma,
            "connectivity": self.connectivity,
            "init_scale": self.init_scale,
            "init_seed": self.init_seed,
        }

    def extra_repr(self) -> str:
        return f"n_visible={self.n_visible}, n_hidden={self.n_hidden}, gamma={self.gamma:g}, connectivity={self.connectivity!r}"

    # -- the Hamiltonian and its Gibbs state -------------------------------------------------------
    def theta(self) -> torch.Tensor:
        """All trainable parameters in the order of :attr:`features`: ``(b_1..b_n, w_pairs)``."""
        return torch.cat([self.b, self.w])

    def hamiltonian(self) -> torch.Tensor:
        """``H`` as a dense real symmetric matrix of shape ``(2**n, 2**n)`` (differentiable in b, w)."""
        return torch.diag(-(self.features @ self.theta())) - self._gamma * self.x_all

    def _gibbs_diagonal(self, energies: torch.Tensor, x_sum: torch.Tensor, n: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Diagonal of ``e^{-H}/Z`` and ``log Z`` for ``H = diag(energies) - Gamma * x_sum`` (batched over rows)."""
        shift = energies.min(-1).values - n * self._gamma  # Gershgorin: every eigenvalue of H is >= shift
        dim = energies.shape[-1]
        eye = torch.eye(dim, dtype=torch.float64)
        h = torch.diag_embed(energies) - self._gamma * x_sum - shift[..., None, None] * eye
        m = torch.linalg.matrix_exp(-h)
        trace = torch.diagonal(m, dim1=-2, dim2=-1).sum(-1)
        return torch.diagonal(m, dim1=-2, dim2=-1) / trace[..., None], torch.log(trace) - shift

    def density_matrix(self) -> torch.Tensor:
        """``rho = e^{-H} / Tr e^{-H}`` via ``torch.linalg.matrix_exp``, shape ``(2**n, 2**n)``.

        Examples
        --------
        >>> rho = QBM(1, 0, gamma=1.0, connectivity="full").density_matrix()
        >>> round(float(rho[0, 1]), 6) == round(0.5 * math.tanh(1.0), 6)   # b = 0: rho = (I + tanh(Gamma) X) / 2
        True
        """
        h = self.hamiltonian()
        shift = torch.diagonal(h).min() - self.n_qubits * self._gamma
        m = torch.linalg.matrix_exp(-(h - shift * torch.eye(h.shape[0], dtype=torch.float64)))
        return m / torch.trace(m)

    def log_partition(self) -> torch.Tensor:
        """``log Tr e^{-H}`` (differentiable)."""
        return self._gibbs_diagonal(-(self.features @ self.theta()), self.x_all, self.n_qubits)[1]

    def visible_probs(self) -> torch.Tensor:
        """Exact ``P(v)`` of all ``2**n_visible`` visible bit strings (differentiable), first visible qubit most significant."""
        diag = torch.diagonal(self.density_matrix())
        return diag.reshape(2**self.n_visible, 2**self.n_hidden).sum(1)

    # -- likelihood, bound and gradients -----------------------------------------------------------
    def _check_data(self, p_data: Any) -> torch.Tensor:
        return _visible_distribution(p_data, self.n_visible)

    def nll(self, p_data: Any) -> torch.Tensor:
        """Exact negative log-likelihood ``-sum_v p_data(v) log P(v)`` (differentiable through ``matrix_exp``)."""
        p = self._check_data(p_data)
        support = p > 0
        return -(p[support] * torch.log(self.visible_probs()[support])).sum()

    def _clamped(self, p: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """For each data pattern ``v``: its weight, the clamped Gibbs diagonal over hidden states, log Z_v, features."""
        support = torch.nonzero(p > 0).squeeze(1)
        feats = self.features.reshape(2**self.n_visible, 2**self.n_hidden, -1)[support]  # (V, 2**n_h, F)
        energies = -(feats @ self.theta())  # (V, 2**n_h): diagonal of H_v
        diag, log_z = self._gibbs_diagonal(energies, self.x_hidden, self.n_hidden)
        return p[support], diag, log_z, feats

    def bound_nll(self, p_data: Any) -> torch.Tensor:
        """The Golden--Thompson bound ``L~ = -sum_v p(v) [log Tr e^{-H_v} - log Tr e^{-H}] >= NLL`` (differentiable)."""
        p = self._check_data(p_data)
        weights, _, log_zv, _ = self._clamped(p)
        return -(weights * (log_zv - self.log_partition())).sum()

    def positive_phase(self, p_data: Any) -> torch.Tensor:
        """``sum_v p(v) <T>_{rho_v}``: data averages of ``(Z_i, Z_i Z_j)`` with the visible qubits clamped."""
        p = self._check_data(p_data)
        with torch.no_grad():
            weights, diag, _, feats = self._clamped(p)
            return torch.einsum("v,vh,vhf->f", weights, diag, feats)

    def negative_phase(self) -> torch.Tensor:
        """``<T>_rho``: model averages of ``(Z_i, Z_i Z_j)`` (only the diagonal of ``rho`` is needed)."""
        with torch.no_grad():
            diag, _ = self._gibbs_diagonal(-(self.features @ self.theta()), self.x_all, self.n_qubits)
            return diag @ self.features

    def bound_gradient(self, p_data: Any) -> torch.Tensor:
        """Gradient of :meth:`bound_nll` in ``(b, w)`` order: ``-(positive phase - negative phase)``.

        Returns
        -------
        torch.Tensor, shape (n_params,)
        """
        return -(self.positive_phase(p_data) - self.negative_phase())

    def sample(self, n: int, seed: int = 0) -> np.ndarray:
        """``n`` visible bit strings drawn from the exact ``P(v)``, shape ``(n, n_visible)``."""
        with torch.no_grad():
            return sample_bitstrings_from_probs(self.visible_probs(), n, seed)


# ----------------------------------------------------------------------------------------------
# training
# ----------------------------------------------------------------------------------------------
@dataclass
class BoltzmannFit:
    """The result of :func:`fit_boltzmann`.

    Attributes
    ----------
    model : QBM or RBM
        The trained model (trained in place).
    eval_step : numpy.ndarray of int
    kl, nll : numpy.ndarray
        Exact KL(p_data || P) and negative log-likelihood at each recorded step.
    metrics : dict
        ``{"kl", "chi", "nll"}`` after the last step.
    gradient : str
    steps : int
    wall_time, cpu_time : float
    settings : dict
    """

    model: nn.Module
    eval_step: np.ndarray
    kl: np.ndarray
    nll: np.ndarray
    metrics: dict[str, float]
    gradient: str
    steps: int
    wall_time: float
    cpu_time: float
    settings: dict[str, Any] = field(default_factory=dict)


def fit_boltzmann(
    model: QBM | RBM,
    p_data: Any,
    *,
    steps: int = 300,
    lr: float = 0.05,
    gradient: str | None = None,
    eval_every: int = 5,
    threads: int | None = 1,
) -> BoltzmannFit:
    """Train a QBM or an RBM on a distribution over visible bit strings with Adam.

    Parameters
    ----------
    model : QBM or RBM
        Trained in place.
    p_data : array or tensor, shape (2**n_visible,)
    steps : int
    lr : float
        Adam's learning rate.
    gradient : {"bound", "exact"}, optional
        For a QBM ``"bound"`` (default, Amin et al.'s bQBM) or ``"exact"`` (autograd through the
        matrix exponential); an RBM is always trained with its exact gradient.
    eval_every : int
        Record the exact KL and NLL every ``eval_every`` steps.
    threads : int or None
        torch threads during training (see :func:`qgan_helpers.born.qcbm.torch_threads`).

    Returns
    -------
    BoltzmannFit

    Examples
    --------
    >>> from qgan_helpers.born.bars_stripes import bas_distribution
    >>> fit = fit_boltzmann(RBM(4, 2), bas_distribution(2, 2), steps=20)
    >>> bool(fit.kl[-1] < fit.kl[0])
    True
    """
    if isinstance(model, QBM):
        gradient = "bound" if gradient is None else gradient
        if gradient not in GRADIENTS:
            raise ValueError(f"gradient: expected one of {list(GRADIENTS)} for a QBM, got {gradient!r}")
        p = model._check_data(p_data)
    elif isinstance(model, RBM):
        if gradient not in (None, "exact"):
            raise ValueError(f"gradient: an RBM is trained with its exact gradient; expected None or 'exact', got {gradient!r}")
        gradient = "exact"
        p = _visible_distribution(p_data, model.n_visible)
    else:
        raise TypeError(f"model: expected a QBM or an RBM, got {type(model).__name__}")
    steps = validation.positive_int("steps", steps)
    eval_every = validation.positive_int("eval_every", eval_every)
    lr = validation.positive_number("lr", lr)
    params = [q for q in model.parameters() if q.requires_grad]
    opt = torch.optim.Adam(params, lr=float(lr))
    rec_step: list[int] = []
    rec_kl: list[float] = []
    rec_nll: list[float] = []

    def record(step: int) -> None:
        with torch.no_grad():
            probs = model.visible_probs()
        rec_step.append(step)
        rec_kl.append(float(kl_divergence(p, probs)))
        support = p > 0
        rec_nll.append(float(-(p[support] * torch.log(probs[support].clamp_min(1e-300))).sum()))

    t0, c0 = time.perf_counter(), time.process_time()
    with torch_threads(threads):
        for step in range(steps):
            if step % eval_every == 0:
                record(step)
            opt.zero_grad(set_to_none=True)
            if gradient == "bound":
                grad = model.bound_gradient(p)
                model.b.grad = grad[: model.n_qubits].clone()
                model.w.grad = grad[model.n_qubits :].clone()
            else:
                model.nll(p).backward()
            opt.step()
        record(steps)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    if not all(math.isfinite(v) for v in rec_kl):
        raise FloatingPointError(f"training diverged: KL became {rec_kl[-1]}")
    with torch.no_grad():
        metrics = distribution_metrics(p, model.visible_probs())
    metrics["nll"] = rec_nll[-1]
    settings = {"model": type(model).__name__, **model.config(), "steps": steps, "lr": float(lr), "gradient": gradient,
                "optimizer": "Adam", "parameters": model.n_params}
    return BoltzmannFit(
        model=model.eval(),
        eval_step=np.asarray(rec_step),
        kl=np.asarray(rec_kl),
        nll=np.asarray(rec_nll),
        metrics=metrics,
        gradient=gradient,
        steps=steps,
        wall_time=wall,
        cpu_time=cpu,
        settings=settings,
    )
