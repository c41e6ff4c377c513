"""Exercises of the appendix "Making it fast" (book/speed.ipynb)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pennylane as qml
import torch

from qgan_helpers.course.checks import expect, register

__all__: list[str] = []


# --------------------------------------------------------------------------------------------
def _random_unitaries(batch: int, seed: int) -> torch.Tensor:
    """``(batch, 2, 2)`` random unitaries, none of them symmetric (a transposed matrix is caught)."""
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(batch, 2, 2)) + 1j * rng.normal(size=(batch, 2, 2))
    q, r = np.linalg.qr(z)
    q = q * (np.diagonal(r, axis1=1, axis2=2) / np.abs(np.diagonal(r, axis1=1, axis2=2)))[:, None, :]
    return torch.tensor(q, dtype=torch.complex128)


def _pennylane_reference(states: torch.Tensor, matrices: torch.Tensor, wire: int, n: int) -> torch.Tensor:
    """Row ``b``: PennyLane's full matrix of ``matrices[b]`` on ``wire`` (wire 0 most significant) times ``states[b]``."""
    rows = []
    for state, u in zip(states, matrices):
        full = qml.matrix(qml.QubitUnitary(u.numpy(), wires=wire), wire_order=range(n))
        rows.append(torch.tensor(full, dtype=torch.complex128) @ state)
    return torch.stack(rows)


@register(
    "ex-speed-gate",
    "One gate per circuit on a whole batch of state vectors, in one batched product",
    (
        "Reshape each state so that the wire's bit gets an axis of its own: the bits before it become one axis, "
        "the bits after it another. Then the gate is a product over that middle axis.",
        "states.reshape(B, 2**wire, 2, 2**(n_qubits - wire - 1)): wire 0 is the most significant bit, so it is "
        "the first of the bits. Row b's gate is matrices[b], shape (2, 2).",
        "psi = states.reshape(B, 2**wire, 2, -1); psi = torch.einsum('bij,bajc->baic', matrices, psi); "
        "return psi.reshape(B, 2**n_qubits).",
    ),
    "apply_gate",
)
def _check_gate(apply_gate: Any) -> None:
    expect(callable(apply_gate), "apply_gate should be a function of (states, matrices, wire, n_qubits)")
    gen = torch.Generator().manual_seed(4)
    for n, batch in ((2, 3), (3, 5), (4, 2)):
        states = torch.randn(batch, 2**n, dtype=torch.complex128, generator=gen)
        states = states / states.abs().pow(2).sum(dim=1, keepdim=True).sqrt()
        matrices = _random_unitaries(batch, seed=10 * n + batch)
        for wire in range(n):
            what = f"apply_gate(states, matrices, wire={wire}, n_qubits={n})"
            got = apply_gate(states.clone(), matrices.clone(), wire, n)
            expect(isinstance(got, torch.Tensor), f"{what} should return a torch tensor, got {type(got).__name__}")
            expect(tuple(got.shape) == (batch, 2**n),
                   f"{what} should return a batch of states, shape {(batch, 2**n)}; got {tuple(got.shape)}")
            got = got.to(torch.complex128)
            want = _pennylane_reference(states, matrices, wire, n)
            if torch.allclose(got, want, atol=1e-10):
                continue
            if n > 1 and torch.allclose(got, _pennylane_reference(states, matrices, n - 1 - wire, n), atol=1e-10):
                expect(False, f"{what} acted on wire {n - 1 - wire}: wire 0 is the MOST significant bit of the "
                       "index, as in PennyLane")
            if torch.allclose(got, _pennylane_reference(states, matrices.transpose(1, 2), wire, n), atol=1e-10):
                expect(False, f"{what} applied the transposed matrix: new amplitude i = sum over j of "
                       "matrix[i, j] * old amplitude j")
            if torch.allclose(got, _pennylane_reference(states, matrices[:1].expand_as(matrices), wire, n),
                              atol=1e-10):
                expect(False, f"{what} applied the first circuit's gate to every row; row b gets matrices[b]")
            expect(False, f"{what} differs from PennyLane's (I x ... x U x ... x I) @ state by up to "
                   f"{float((got - want).abs().max()):.2g}")


# --------------------------------------------------------------------------------------------
def _chain_diagonal(n: int) -> np.ndarray:
    ops = [qml.CZ(wires=[w, w + 1]) for w in range(n - 1)]
    matrix = qml.matrix(qml.prod(*ops[::-1]), wire_order=range(n)) if len(ops) > 1 else qml.matrix(
        ops[0], wire_order=range(n))
    return np.real(np.diag(matrix))


@register(
    "ex-speed-czsigns",
    "A chain of CZ gates as one vector of signs",
    (
        "CZ(a, b) flips the sign of every basis state in which bits a and b are both 1, and leaves the rest "
        "alone; the chain does that for each neighbouring pair, so the signs multiply.",
        "Get the bits of every index: bits = (torch.arange(2**n)[:, None] >> torch.arange(n - 1, -1, -1)) & 1 "
        "(column 0 is wire 0, the most significant bit). Count the neighbouring pairs that are both 1.",
        "pairs = (bits[:, :-1] * bits[:, 1:]).sum(dim=1); return (1 - 2 * (pairs % 2)).double(), which is "
        "(-1) ** pairs.",
    ),
    "cz_chain_signs",
)
def _check_czsigns(cz_chain_signs: Any) -> None:
    expect(callable(cz_chain_signs), "cz_chain_signs should be a function of n_qubits")
    for n in (3, 4, 5, 7, 2):
        what = f"cz_chain_signs({n})"
        got = cz_chain_signs(n)
        expect(isinstance(got, (torch.Tensor, np.ndarray)), f"{what} should return a tensor (or array), got "
               f"{type(got).__name__}")
        got = np.asarray(got.detach().cpu().numpy() if isinstance(got, torch.Tensor) else got, dtype=float)
        expect(got.shape == (2**n,), f"{what} should hold one sign per basis state, shape ({2**n},); got {got.shape}")
        want = _chain_diagonal(n)
        if np.allclose(got, want):
            continue
        expect(np.all(np.isin(got, (-1.0, 1.0))), f"{what} should hold only +1 and -1 (a CZ chain only flips signs)")
        ring = want if n < 3 else want * np.array([(-1.0) ** (((i >> (n - 1)) & 1) * (i & 1)) for i in range(2**n)])
        expect(not np.allclose(got, ring), f"{what} also has CZ({n - 1}, 0): the chain is open, only the pairs "
               "(0, 1), (1, 2), ..., (n-2, n-1)")
        expect(False, f"{what} differs from the diagonal of PennyLane's matrix of the chain CZ(0, 1), ..., "
               f"CZ(n-2, n-1) on {n} qubits at {int((got != want).sum())} of {2**n} basis states")


# --------------------------------------------------------------------------------------------
_RAN: list[str] = []


def _tripwire(message: str) -> str:
    """What a hostile checkpoint runs when it is unpickled: here it only leaves a note."""
    _RAN.append(message)
    return message


class _Hostile:
    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return (_tripwire, ("a checkpoint ran code while it was loaded",))


@register(
    "ex-speed-safeload",
    "Load a checkpoint so that a hostile file cannot run code",
    (
        "torch.load unpickles the file, and a pickle can name any Python function to call. One argument of "
        "torch.load restricts it to tensors, dicts, lists, strings and numbers.",
        "torch.load(path, map_location='cpu', weights_only=True) refuses anything else with an error; let the "
        "error propagate (or return None) instead of falling back to a full unpickle.",
        "def load_checkpoint_safely(path): return torch.load(path, map_location='cpu', weights_only=True)",
    ),
    "load_checkpoint_safely",
)
def _check_safeload(load_checkpoint_safely: Any) -> None:
    expect(callable(load_checkpoint_safely), "load_checkpoint_safely should be a function of path")
    with tempfile.TemporaryDirectory() as tmp:
        good = {"state_dict": {"weights": torch.arange(6.0).reshape(2, 3)},
                "config": {"generator": "PatchQuantumGenerator", "depth": 2}, "history": {"loss_g": [0.7, 0.6]}}
        good_path = Path(tmp) / "good.pt"
        torch.save(good, good_path)
        got = load_checkpoint_safely(good_path)
        expect(isinstance(got, dict) and set(got) == set(good), "load_checkpoint_safely(path) should return the "
               f"checkpoint's dict with the keys {sorted(good)}; got {type(got).__name__}")
        expect(torch.equal(got["state_dict"]["weights"], good["state_dict"]["weights"])
               and got["config"] == good["config"] and got["history"] == good["history"],
               "load_checkpoint_safely(path) changed what the file holds; return what torch.load reads")

        hostile_path = Path(tmp) / "hostile.pt"
        torch.save({"state_dict": good["state_dict"], "payload": _Hostile()}, hostile_path)
        _RAN.clear()
        try:
            out = load_checkpoint_safely(hostile_path)
        except Exception:  # noqa: BLE001 - refusing the file is the right answer
            out = None
        expect(not _RAN, "loading a hostile checkpoint ran the code it named: torch.load unpickled it fully. "
               "Restrict torch.load to plain data (one argument of torch.load does that)")
        expect(out is None, "load_checkpoint_safely(path) returned something for a file that holds a Python object "
               "other than tensors and plain data; it should refuse it (raise, or return None)")
