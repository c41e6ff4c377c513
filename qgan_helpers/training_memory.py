"""How much memory *training* a circuit by backpropagation needs, measured in a fresh process.

A forward pass of a state-vector simulation holds a few copies of the state (see ``book/tips``).
Backpropagation keeps the intermediate state of every gate for the backward pass, for every
sample of a broadcast batch, so a training step needs far more: this module measures it.
"""

from __future__ import annotations

import json
import subprocess
import sys

from qgan_helpers.validation import positive_int

__all__ = ["backprop_peak_bytes"]

_SCRIPT = r"""
import json, resource, sys
import pennylane as qml
import torch
from qgan_helpers.circuits import angle_encoding, patch_ansatz

n, layers, batch = (int(a) for a in sys.argv[1:4])
torch.set_num_threads(1)


def backward_pass(n_wires):
    @qml.qnode(qml.device("default.qubit", wires=n_wires), interface="torch", diff_method="backprop")
    def circuit(z, w):
        angle_encoding(z, range(n_wires))
        patch_ansatz(w, range(n_wires))
        return qml.probs(wires=range(n_wires))

    z = torch.rand(batch, n_wires)
    w = (0.5 * torch.randn(layers, n_wires)).requires_grad_()
    circuit(z, w)[:, 0].sum().backward()


backward_pass(2)  # warm-up: imports, caches, the autograd engine
with open("/proc/self/statm") as f:  # the resident memory now (pages), not the peak of the imports
    before = int(f.read().split()[1]) * resource.getpagesize()
backward_pass(n)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"before": before, "after": after}))
"""


def backprop_peak_bytes(n_qubits: int, layers: int = 8, batch: int = 32) -> int:
    """Peak memory added by one forward and backward pass of the patch circuit with backpropagation.

    The circuit is the course's (angle encoding, then ``layers`` RY layers with a CZ chain),
    broadcast over a batch of ``batch`` latent vectors on ``default.qubit`` with torch
    backpropagation. It runs in a fresh Python process and the result is the growth of that
    process's peak resident memory (``ru_maxrss``) above its resident memory just before the pass,
    after a warm-up on 2 qubits (Linux: reads ``/proc/self/statm``). When the imports peaked higher
    than the pass, the result undercounts, so measure registers of 12 or more qubits.

    Parameters
    ----------
    n_qubits : int
        Register size (keep it moderate: the memory grows as ``2**n_qubits``).
    layers : int
    batch : int

    Returns
    -------
    int
        Bytes; divide by ``16 * 2**n_qubits`` for the number of state copies it amounts to.

    Examples
    --------
    >>> peak = backprop_peak_bytes(10, layers=2, batch=8)
    >>> peak / (16 * 2**10) > 8  # more than one state per sample of the batch
    True
    """
    n = positive_int("n_qubits", n_qubits)
    layers = positive_int("layers", layers)
    batch = positive_int("batch", batch)
    out = subprocess.run([sys.executable, "-c", _SCRIPT, str(n), str(layers), str(batch)],
                         capture_output=True, text=True, check=False)
    if out.returncode != 0:
        tail = out.stderr.strip().splitlines()[-1:] or ["no error output"]
        raise RuntimeError(f"backprop_peak_bytes: the measuring process failed ({tail[0][:200]})")
    record = json.loads(out.stdout.strip().splitlines()[-1])
    return max(int(record["after"]) - int(record["before"]), 0)
