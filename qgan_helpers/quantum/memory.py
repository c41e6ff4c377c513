"""How much memory *training* a circuit by backpropagation keeps: the tensors saved for the backward pass.

A forward pass of a state-vector simulation holds a few copies of the state at a time (see
``book/tips``). Backpropagation also keeps, until the backward pass, every intermediate tensor the
gradient needs: for a simulated circuit, about one state per gate and per sample of the batch.
This module counts those tensors exactly, with torch's saved-tensor hooks.
"""

from __future__ import annotations

import pennylane as qml
import torch

from qgan_helpers.quantum.circuits import angle_encoding, patch_ansatz
from qgan_helpers.validation import positive_int

__all__ = ["backprop_saved_bytes"]


def backprop_saved_bytes(n_qubits: int, layers: int = 8, batch: int = 32, *, seed: int = 0) -> int:
    """Bytes that autograd keeps for the backward pass of the course's circuit on a batch.

    The circuit is the patch circuit (angle encoding of ``n_qubits`` noise angles, then ``layers``
    layers of RY rotations and a CZ chain) returning the probabilities of all basis states, broadcast
    over ``batch`` latent vectors on ``default.qubit`` with torch backpropagation. Every tensor that
    autograd saves for the backward pass is recorded by a
    :func:`torch.autograd.graph.saved_tensors_hooks` hook; the result is the size of their distinct
    storages. It is a lower bound on a training step's peak memory (the forward pass's own
    temporaries and the gradients come on top) and does not depend on the machine's load.

    Parameters
    ----------
    n_qubits : int
        Register size (the memory grows as ``2**n_qubits``: 14 qubits already keep about 1 GiB).
    layers : int
    batch : int
    seed : int
        Seed of the random angles (the count does not depend on them).

    Returns
    -------
    int
        Bytes; divide by ``16 * 2**n_qubits`` (one complex128 state) for the number of states kept.

    Examples
    --------
    >>> kept = backprop_saved_bytes(6, layers=2, batch=4)
    >>> kept / (16 * 2**6) > 4  # more than one state per sample of the batch
    True
    """
    n = positive_int("n_qubits", n_qubits)
    layers = positive_int("layers", layers)
    batch = positive_int("batch", batch)
    gen = torch.Generator().manual_seed(int(seed))

    @qml.qnode(qml.device("default.qubit", wires=n), interface="torch", diff_method="backprop")
    def circuit(z: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        angle_encoding(z, range(n))
        patch_ansatz(w, range(n))
        return qml.probs(wires=range(n))

    z = torch.rand(batch, n, generator=gen, dtype=torch.float64)
    w = (0.5 * torch.randn(layers, n, generator=gen, dtype=torch.float64)).requires_grad_()
    storages: dict[int, int] = {}

    def pack(t: torch.Tensor) -> torch.Tensor:
        storage = t.untyped_storage()
        storages[storage.data_ptr()] = storage.nbytes()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        out = circuit(z, w)
    total = sum(storages.values())
    out[:, 0].sum().backward()  # the graph is complete: it runs backwards
    return int(total)
