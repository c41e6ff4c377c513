r"""How close is a distribution over bit strings to the data? MMD with an RBF-kernel mixture, KL and χ.

A Born machine (and a Boltzmann machine) defines a probability ``q(x)`` for every bit string ``x``
of ``n`` bits; the data define ``p(x)``. Three numbers compare them:

* :func:`mmd2_exact` -- the squared maximum mean discrepancy (Gretton et al. 2012) with a kernel on
  bit strings. Written with the probability vectors it is a quadratic form,

  .. math:: \mathrm{MMD}^2(p, q) = (p - q)^\top K (p - q),
            \qquad K_{xy} = \frac{1}{S}\sum_{s=1}^{S} \exp\!\Big(-\frac{\lVert x - y\rVert^2}{2\sigma_s^2}\Big),

  where ``||x - y||^2`` of two bit strings is their Hamming distance and ``sigma_1..sigma_S`` is a
  *mixture* of bandwidths: a narrow one compares individual bit strings, wide ones compare
  low-order statistics (single bits, pairs). ``K`` is built by :func:`hamming_kernel_matrix`. This is
  the loss a QCBM is trained with; it is differentiable (torch) and 0 exactly when ``q = p``.
* :func:`kl_divergence` ``KL(p || q) = sum_x p(x) log(p(x) / q(x))`` -- how many nats the model
  wastes on the data; it punishes a model that misses data patterns.
* :func:`valid_rate` ``chi = sum over the data's support of q(x)`` -- the fraction of the model's
  samples that are valid patterns.

:func:`distribution_metrics` computes KL and χ from exact probabilities;
:func:`sample_metrics` from a finite number of samples (what hardware gives), using the empirical
distribution of the samples; :func:`sample_bitstrings_from_probs` draws such samples.

Examples
--------
>>> from qgan_helpers.born.bars_stripes import bas_distribution
>>> p = bas_distribution(2, 2)
>>> distribution_metrics(p, p)
{'kl': 0.0, 'chi': 1.0}
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from qgan_helpers import validation
from qgan_helpers.born.bars_stripes import check_bits
from qgan_helpers.quantum.measurement import check_probs, empirical_probs

__all__ = [
    "MAX_KERNEL_BITS",
    "DEFAULT_SIGMAS",
    "KL_EPS",
    "hamming_kernel_matrix",
    "mmd2_exact",
    "kl_divergence",
    "valid_rate",
    "distribution_metrics",
    "sample_bitstrings_from_probs",
    "sample_metrics",
]

MAX_KERNEL_BITS = 12
"""Largest number of bits for which the dense ``2**n x 2**n`` kernel matrix is built (128 MiB at 12)."""

DEFAULT_SIGMAS: tuple[float, ...] = (0.25, 0.5, 1.0)
"""The course's RBF bandwidth mixture on bit strings (Hamming distance): narrow, middle, wide."""

KL_EPS = 1e-10
"""Floor for model probabilities inside the logarithm of :func:`kl_divergence`."""


def _check_sigmas(sigmas: Any) -> tuple[float, ...]:
    values = list(sigmas) if isinstance(sigmas, (list, tuple, np.ndarray)) else [sigmas]
    if not values:
        raise ValueError("sigmas: expected a positive bandwidth or a non-empty list of them, got an empty list")
    out = []
    for s in values:
        if isinstance(s, bool) or not isinstance(s, (int, float, np.integer, np.floating)) or not np.isfinite(s) or s <= 0:
            raise ValueError(f"sigmas: expected positive bandwidths, got {s!r}")
        out.append(float(s))
    return tuple(out)


def hamming_kernel_matrix(n_bits: int, sigmas: float | Sequence[float] = DEFAULT_SIGMAS) -> torch.Tensor:
    r"""The kernel matrix ``K[x, y] = mean_s exp(-hamming(x, y) / (2 sigma_s**2))`` over all bit strings.

    Each kernel of the mixture is a product over bits,
    ``exp(-h / (2 s^2)) = prod_i k_i`` with ``k_i = 1`` for equal bits and ``a = exp(-1 / (2 s^2))``
    otherwise, so ``K`` is a sum of Kronecker products of ``[[1, a], [a, 1]]`` -- built exactly without
    computing ``4**n`` Hamming distances.

    Parameters
    ----------
    n_bits : int
        ``1 <= n_bits <= MAX_KERNEL_BITS``.
    sigmas : float or sequence of float
        The bandwidths of the mixture (default :data:`DEFAULT_SIGMAS`).

    Returns
    -------
    torch.Tensor, shape (2**n_bits, 2**n_bits), float64
        Symmetric, positive definite, ones on the diagonal; index order as ``qml.probs``.

    Examples
    --------
    >>> K = hamming_kernel_matrix(2, sigmas=1.0)
    >>> round(float(K[0, 3]), 6) == round(float(np.exp(-2 / 2)), 6)   # |00> vs |11>: distance 2
    True
    """
    n_bits = validation.positive_int("n_bits", n_bits)
    if n_bits > MAX_KERNEL_BITS:
        raise ValueError(
            f"n_bits: expected at most {MAX_KERNEL_BITS} bits for an exact kernel matrix "
            f"(it has 4**n entries), got {n_bits}"
        )
    total = torch.zeros(2**n_bits, 2**n_bits, dtype=torch.float64)
    sig = _check_sigmas(sigmas)
    for s in sig:
        a = float(np.exp(-1.0 / (2.0 * s * s)))
        k1 = torch.tensor([[1.0, a], [a, 1.0]], dtype=torch.float64)
        k = k1
        for _ in range(int(n_bits) - 1):
            k = torch.kron(k, k1)
        total += k
    return total / len(sig)


def _as_probs(name: str, p: Any) -> torch.Tensor:
    if isinstance(p, torch.Tensor):
        t = p
    else:
        if isinstance(p, (str, bytes)) or p is None:
            raise TypeError(f"{name}: expected a probability vector (array or tensor), got {type(p).__name__}")
        try:
            t = torch.as_tensor(np.asarray(p, dtype=np.float64))
        except (TypeError, ValueError):
            raise TypeError(f"{name}: expected a probability vector (array or tensor), got {type(p).__name__}") from None
    check_probs(t, name)
    return t if t.dtype == torch.float64 else t.to(torch.float64)


def mmd2_exact(p: Any, q: Any, kernel: torch.Tensor | None = None, sigmas: float | Sequence[float] = DEFAULT_SIGMAS) -> Any:
    """Squared MMD between two distributions over bit strings: ``(p - q)^T K (p - q)``.

    Parameters
    ----------
    p, q : array or tensor, shape (..., 2**n)
        Probability vectors (leading batch dimensions broadcast against each other).
    kernel : torch.Tensor, shape (2**n, 2**n), optional
        A precomputed :func:`hamming_kernel_matrix` (pass it when calling this in a training loop).
    sigmas : float or sequence of float
        Bandwidths used when ``kernel`` is not given.

    Returns
    -------
    torch.Tensor or float
        A tensor (differentiable, shape ``(...)``) when ``p`` or ``q`` is a torch tensor, otherwise a
        Python float (or a NumPy array for batches). Never negative; 0 when ``p == q``.

    Examples
    --------
    >>> p = np.array([0.5, 0.0, 0.0, 0.5])
    >>> mmd2_exact(p, p)
    0.0
    >>> round(mmd2_exact(p, np.array([0.0, 0.5, 0.5, 0.0]), sigmas=1.0), 6)
    0.154818
    """
    use_torch = isinstance(p, torch.Tensor) or isinstance(q, torch.Tensor)
    pt, qt = _as_probs("p", p), _as_probs("q", q)
    if pt.shape[-1] != qt.shape[-1]:
        raise ValueError(f"q: expected the same number of outcomes as p ({pt.shape[-1]}), got {qt.shape[-1]}")
    n = pt.shape[-1].bit_length() - 1
    if kernel is None:
        kernel = hamming_kernel_matrix(n, sigmas)
    elif not isinstance(kernel, torch.Tensor) or tuple(kernel.shape) != (2**n, 2**n):
        shape = tuple(kernel.shape) if isinstance(kernel, torch.Tensor) else type(kernel).__name__
        raise ValueError(f"kernel: expected a torch tensor of shape ({2**n}, {2**n}), got {shape}")
    d = pt - qt
    value = ((d @ kernel) * d).sum(-1).clamp_min(0.0)
    if use_torch:
        return value
    value = value.detach().numpy()
    return float(value) if value.ndim == 0 else value


def _pair(p: Any, q: Any) -> tuple[torch.Tensor, torch.Tensor]:
    pt, qt = _as_probs("p", p), _as_probs("q", q)
    if pt.ndim != 1:
        raise ValueError(f"p: expected one probability vector of shape (2**n,), got shape {tuple(pt.shape)}")
    if qt.shape[-1] != pt.shape[0]:
        raise ValueError(f"q: expected {pt.shape[0]} outcomes like p, got shape {tuple(qt.shape)}")
    return pt, qt


def kl_divergence(p: Any, q: Any, eps: float = KL_EPS) -> Any:
    r"""``KL(p || q) = sum_{x: p(x) > 0} p(x) log(p(x) / max(q(x), eps))`` in nats.

    Parameters
    ----------
    p : array or tensor, shape (2**n,)
        The data distribution.
    q : array or tensor, shape (2**n,) or (B, 2**n)
        The model distribution(s).
    eps : float
        Floor of ``q`` inside the logarithm: a data pattern the model never produces costs
        ``p(x) log(p(x) / eps)`` (large but finite) instead of infinity.

    Notes
    -----
    Fidelity histograms (the expressibility of a circuit) are compared with
    :func:`qgan_helpers.quantum.expressibility.histogram_kl` instead: the same formula for any number
    of bins, with a floor of ``1e-300`` so that tiny Haar bin probabilities are kept as they are.

    Returns
    -------
    float, numpy.ndarray (batched q) or torch.Tensor (if q is a tensor that requires grad)

    Examples
    --------
    >>> round(kl_divergence([0.5, 0.5], [0.25, 0.75]), 6)   # 0.5 log 2 + 0.5 log(2/3)
    0.143841
    """
    if isinstance(eps, bool) or not isinstance(eps, (int, float)) or not 0 < eps < 1:
        raise ValueError(f"eps: expected a small positive number below 1, got {eps!r}")
    pt, qt = _pair(p, q)
    support = pt > 0
    ps = pt[support]
    value = (ps * (torch.log(ps) - torch.log(qt[..., support].clamp_min(eps)))).sum(-1)
    if isinstance(q, torch.Tensor) and q.requires_grad:
        return value
    value = value.detach().numpy()
    return float(value) if value.ndim == 0 else value


def valid_rate(p: Any, q: Any) -> Any:
    """χ: the probability mass the model ``q`` puts on the data's support (the valid patterns).

    Examples
    --------
    >>> valid_rate([0.5, 0.0, 0.0, 0.5], [0.4, 0.1, 0.1, 0.4])
    0.8
    """
    pt, qt = _pair(p, q)
    value = qt[..., pt > 0].sum(-1)
    if isinstance(q, torch.Tensor) and q.requires_grad:
        return value
    value = value.detach().numpy()
    return round(float(value), 15) if value.ndim == 0 else value


def distribution_metrics(p: Any, q: Any) -> dict[str, float]:
    """KL divergence and valid rate χ of the exact model distribution ``q`` against the data ``p``.

    Returns
    -------
    dict
        ``{"kl": KL(p || q), "chi": χ}`` as Python floats.

    Examples
    --------
    >>> distribution_metrics([0.5, 0.0, 0.0, 0.5], [0.25, 0.25, 0.25, 0.25])
    {'kl': 0.6931471805599453, 'chi': 0.5}
    """
    qt = _as_probs("q", q)
    if qt.ndim != 1:
        raise ValueError(f"q: expected one probability vector of shape (2**n,), got shape {tuple(qt.shape)}")
    qd = qt.detach()
    return {"kl": float(kl_divergence(p, qd)), "chi": float(valid_rate(p, qd))}


def sample_bitstrings_from_probs(q: Any, n_samples: int, seed: int = 0) -> np.ndarray:
    """Draw ``n_samples`` bit strings from the distribution ``q`` (what a device with shots returns).

    Parameters
    ----------
    q : array or tensor, shape (2**n,)
    n_samples : int
    seed : int
        Seed of a fresh ``numpy.random.Generator``: the same seed gives the same samples.

    Returns
    -------
    numpy.ndarray of int64, shape (n_samples, n)
        Bits 0/1, first bit = first wire.

    Examples
    --------
    >>> sample_bitstrings_from_probs([0.0, 0.0, 1.0, 0.0], 2).tolist()
    [[1, 0], [1, 0]]
    """
    qt = _as_probs("q", q)
    if qt.ndim != 1:
        raise ValueError(f"q: expected one probability vector of shape (2**n,), got shape {tuple(qt.shape)}")
    n_samples = validation.positive_int("n_samples", n_samples)
    seed = validation.seed(seed)
    probs = qt.detach().clamp_min(0.0).numpy()
    probs = probs / probs.sum()
    n = probs.shape[0].bit_length() - 1
    index = np.random.default_rng(int(seed)).choice(probs.shape[0], size=int(n_samples), p=probs)
    return (index[:, None] >> np.arange(n - 1, -1, -1)[None, :]) & 1


def sample_metrics(p: Any, samples: Any) -> dict[str, float]:
    """KL and χ estimated from samples: the empirical distribution of the samples stands in for ``q``.

    χ is the fraction of samples that are valid patterns (an unbiased estimate). KL uses the
    histogram, so it is biased upwards for few samples: a pattern that was never drawn is charged
    with the floor :data:`KL_EPS`.

    Parameters
    ----------
    p : array or tensor, shape (2**n,)
        The data distribution.
    samples : array, shape (N, n)
        Bits 0/1.

    Returns
    -------
    dict
        ``{"kl": ..., "chi": ..., "n_samples": N}``.

    Examples
    --------
    >>> sample_metrics([0.5, 0.0, 0.0, 0.5], np.array([[0, 0], [1, 1], [1, 1], [0, 1]]))
    {'kl': 0.34657359027997264, 'chi': 0.75, 'n_samples': 4}
    """
    pt = _as_probs("p", p)
    if pt.ndim != 1:
        raise ValueError(f"p: expected one probability vector of shape (2**n,), got shape {tuple(pt.shape)}")
    n = pt.shape[0].bit_length() - 1
    bits = check_bits(samples, n, name="samples")
    q = empirical_probs(bits, n)
    out: dict[str, float] = distribution_metrics(pt, q)
    out["n_samples"] = int(bits.shape[0])
    return out
