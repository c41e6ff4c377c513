"""How many parameters actually move the distribution: the rank of the Jacobian ``d q / d theta``.

A parameter count says little when parameters are redundant: the QCBM's first-layer ``RZ`` acts on
``|0>`` and its last-layer ``RZ`` is diagonal before a measurement (18 of its 162 angles do not move
the distribution), and an MPS has a gauge freedom. :func:`effective_parameters` reports, beside the
nominal count, the rank of the Jacobian of ``q`` with respect to the parameters at a random point:
the dimension of the family of distributions the model can reach locally.
"""

from __future__ import annotations

import torch
from torch import nn

from qgan_helpers import validation

__all__ = ["effective_parameters"]


def effective_parameters(model: nn.Module, rtol: float = 1e-8) -> dict[str, int]:
    """Nominal parameter count and the rank of the Jacobian ``d q / d theta`` at the model's parameters.

    Works for any single-start model whose ``forward()`` returns probabilities of shape ``(1, 2**n)``
    -- the baselines of :mod:`qgan_helpers.born.baselines` and :class:`qgan_helpers.born.qcbm.QCBM`. The rank (singular values
    above ``rtol`` times the largest) is the local dimension of the model's family of distributions;
    it is at most ``2**n - 1`` and at most the nominal count, and smaller when parameters are
    redundant (gauge freedoms, rotations that act on ``|0>``, symmetric hidden units). At a random
    parameter point it is the generic rank.

    Returns
    -------
    dict
        ``{"nominal": ..., "jacobian_rank": ...}``.

    Examples
    --------
    >>> from qgan_helpers.born.qcbm import QCBM
    >>> effective_parameters(QCBM(n_qubits=2, layers=2, entanglers="chain"))   # 12 angles, 3 free probabilities
    {'nominal': 12, 'jacobian_rank': 3}
    >>> from qgan_helpers.born.baselines import Autoregressive
    >>> effective_parameters(Autoregressive(n_bits=3, n_hidden=None))           # 6 parameters, 7 free probabilities
    {'nominal': 6, 'jacobian_rank': 6}
    """
    if not isinstance(model, nn.Module) or getattr(model, "n_starts", None) != 1:
        raise ValueError(
            f"model: expected a single-start model (n_starts == 1; call select(k) first), got {type(model).__name__}"
        )
    rtol = validation.positive_number("rtol", rtol)
    params = [p for p in model.parameters() if p.requires_grad]
    rows = []
    with torch.enable_grad():
        q = model()[0]
        if q.dtype != torch.float64:
            q = q.to(torch.float64)
        for i in range(q.shape[0]):
            grads = torch.autograd.grad(q[i], params, retain_graph=True, allow_unused=True)
            rows.append(torch.cat([(g if g is not None else torch.zeros_like(p)).reshape(-1) for g, p in zip(grads, params)]))
    jac = torch.stack(rows)
    s = torch.linalg.svdvals(jac)
    rank = int((s > rtol * s.max()).sum()) if s.numel() and float(s.max()) > 0 else 0
    return {"nominal": int(getattr(model, "n_params", sum(p.numel() for p in params))), "jacobian_rank": rank}
