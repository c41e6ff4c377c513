"""Exercises of the chapter "Quantum devices" (book/devices.ipynb).

Checks of exercises whose answer is a circuit look at what the learner's code *ran*, not only at the
numbers it returns: :func:`recorded_executions` records every circuit the course's simulators execute
while the learner's function runs, so a function that returns hard-coded numbers is refused, and the
recorded gates are run again by the check, on other input states and on another simulator.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pennylane as qml

from qgan_helpers.course.checks import as_array as _as_array
from qgan_helpers.course.checks import expect, register

__all__: list[str] = []

# Operations that write a state or a matrix in directly: an answer built from them is not a circuit of gates.
_WRITES_IN = {"StatePrep", "QubitStateVector", "BasisState", "QubitUnitary", "DiagonalQubitUnitary",
              "QubitDensityMatrix", "AmplitudeEmbedding", "MottonenStatePreparation", "Snapshot"}


def _simulator_classes() -> list[type]:
    classes = [qml.devices.DefaultQubit, qml.devices.DefaultMixed]
    try:  # lightning.qubit is optional
        from pennylane_lightning.lightning_qubit import LightningQubit
    except ImportError:  # pragma: no cover - installed with the course
        pass
    else:
        classes.append(LightningQubit)
    return classes


@contextmanager
def recorded_executions() -> Iterator[list[qml.tape.QuantumScript]]:
    """Record every circuit that ``default.qubit``, ``default.mixed`` or ``lightning.qubit`` executes.

    Yields the list the circuits are appended to (as the device receives them, after its own
    decompositions). The devices work as usual; the recording ends with the block.
    """
    seen: list[qml.tape.QuantumScript] = []
    saved = {cls: cls.__dict__["execute"] for cls in _simulator_classes() if "execute" in cls.__dict__}

    def recording(original: Any) -> Any:
        def execute(self: Any, circuits: Any, *args: Any, **kwargs: Any) -> Any:
            seen.extend(circuits if isinstance(circuits, (list, tuple)) else [circuits])
            return original(self, circuits, *args, **kwargs)

        return execute

    for cls, original in saved.items():
        cls.execute = recording(original)
    try:
        yield seen
    finally:
        for cls, original in saved.items():
            cls.execute = original


def runs_elsewhere(answer: Any) -> bool:
    """Whether ``answer`` runs in another process: the grader's stand-in for a student's function
    (:class:`qgan_helpers.course.grading.remote.RemoteFunction`) executes it in the sandbox, where
    :func:`recorded_executions` cannot see the circuits. The checks then judge the returned numbers only."""
    kind = type(answer)
    return kind.__name__ == "RemoteFunction" and kind.__module__.startswith("qgan_helpers.course.grading")


def last_circuit(seen: list[qml.tape.QuantumScript], what: str, answer: Any) -> qml.tape.QuantumScript | None:
    """The last circuit ``what`` ran, or "not yet" when it returned numbers without running one;
    ``None`` when ``answer`` runs in the grader's sandbox (:func:`runs_elsewhere`)."""
    if runs_elsewhere(answer):
        return None
    expect(seen, f"{what} returned numbers without running a circuit: build it from gates in a QNode "
           "(qml.qnode or make_qnode) and return what the QNode measures")
    return seen[-1]


def run_ops(ops: list, measured_wires: list[int], device: str = "default.qubit",
            before: list | None = None) -> np.ndarray:
    """Probabilities of ``measured_wires`` after ``before`` + ``ops`` on a fresh simulator."""
    n = max([*measured_wires, *[w for op in ops for w in op.wires.tolist()]]) + 1
    script = qml.tape.QuantumScript([*(before or []), *ops], [qml.probs(wires=measured_wires)])
    out = qml.execute([script], qml.device(device, wires=n))[0]
    return np.asarray(qml.math.to_numpy(out), dtype=float)


@register(
    "ex-devices-bell",
    "Build a Bell state and return its four probabilities",
    [
        "A Bell state needs two steps: put wire 0 into an equal superposition of 0 and 1, then make wire 1 "
        "copy wire 0. Which gate of this page does each step?",
        "Inside a quantum function: qml.Hadamard(wires=0), then qml.CNOT(wires=[0, 1]), then return "
        "qml.probs(wires=[0, 1]). Turn it into a QNode and call it.",
        "make_qnode(circuit, wires=2) gives an analytic QNode (no shots); bell_probabilities() should "
        "return make_qnode(circuit, wires=2)() -- the check runs your gates again, so the numbers must "
        "come from the circuit, not be typed in.",
    ],
    "bell_probabilities",
)
def _check_bell(bell_probabilities: Any) -> None:
    expect(callable(bell_probabilities), "bell_probabilities should be a function (def bell_probabilities(): ...)")
    with recorded_executions() as seen:
        probs = _as_array(bell_probabilities(), "bell_probabilities()")
    expect(probs.shape == (4,), f"expected 4 probabilities (|00>, |01>, |10>, |11>), got shape {probs.shape}")
    expect(np.all(probs >= -1e-9), "probabilities cannot be negative")
    expect(abs(probs.sum() - 1) < 1e-6, f"the probabilities should sum to 1, they sum to {probs.sum():.4f}")
    target = np.array([0.5, 0.0, 0.0, 0.5])
    if np.allclose(probs, target, atol=0.1) and not np.allclose(probs, target, atol=1e-6):
        expect(False, f"close but not exact ({np.round(probs, 3).tolist()}): use exact results (shots=None)")
    expect(
        np.allclose(probs, target, atol=1e-6),
        f"a Bell state gives [0.5, 0, 0, 0.5], got {np.round(probs, 4).tolist()} "
        "(is there a Hadamard on wire 0 before the CNOT?)",
    )
    # what was built: the gates the function ran, run again by the check
    circuit = last_circuit(seen, "bell_probabilities()", bell_probabilities)
    if circuit is None:
        return
    ops = list(circuit.operations)
    for op in ops:
        expect(op.name not in _WRITES_IN, f"your circuit uses {op.name}, which writes the state in directly; "
               "build the Bell state from gates (Hadamard, CNOT)")
    expect(set(w for op in ops for w in op.wires.tolist()) <= {0, 1},
           "use only wires 0 and 1 for the Bell state")
    expect(any(len(op.wires) == 2 for op in ops), "your circuit has no two-qubit gate: the two bits of a Bell "
           "state always agree, which only an entangling gate such as CNOT can arrange")
    expect(np.allclose(run_ops(ops, [0, 1]), probs, atol=1e-6),
           f"the numbers you return are not what your circuit measures (it gives "
           f"{np.round(run_ops(ops, [0, 1]), 3).tolist()}): return the QNode's result")
    reference = [qml.Hadamard(0), qml.CNOT([0, 1])]
    for start, name in (([qml.PauliX(1)], "|01>"), ([qml.PauliX(0)], "|10>")):
        for device in ("default.qubit", "default.mixed"):
            got, want = run_ops(ops, [0, 1], device, start), run_ops(reference, [0, 1], device, start)
            expect(np.allclose(got, want, atol=1e-6),
                   f"from |00> your gates give the Bell probabilities, but from {name} (on {device}) they give "
                   f"{np.round(got, 3).tolist()} where Hadamard-then-CNOT gives {np.round(want, 3).tolist()}: "
                   "build the state with a Hadamard on wire 0 and a CNOT from wire 0 to wire 1")


@register(
    "ex-devices-density-memory",
    "Bytes of an n-qubit density matrix in complex128",
    [
        "How many numbers does a density matrix of n qubits hold? It is a square matrix with one row per "
        "basis state.",
        "There are 2**n basis states, so the matrix is 2**n x 2**n: 4**n complex entries. How many bytes "
        "does one complex128 number take?",
        "complex128 is two float64 numbers, 8 bytes each: return 16 * 4**n (not 16 * 2**n, which is a state "
        "vector).",
    ],
    "density_matrix_bytes",
)
def _check_density_memory(density_matrix_bytes: Any) -> None:
    expect(callable(density_matrix_bytes), "density_matrix_bytes should be a function of n_qubits")
    for n in range(1, 13):
        got = density_matrix_bytes(n)
        expect(
            isinstance(got, (int, float, np.integer, np.floating)) and not isinstance(got, bool),
            f"density_matrix_bytes({n}) should return a number of bytes, got {type(got).__name__}",
        )
        expected = 16 * 4**n
        if got == 16 * 2**n:
            expect(False, f"density_matrix_bytes({n}) = {got} is the size of a state vector; "
                   "a density matrix has 2**n x 2**n entries")
        if got == 4**n:
            expect(False, f"density_matrix_bytes({n}) = {got} counts entries, not bytes (16 bytes per entry)")
        expect(got == expected, f"density_matrix_bytes({n}) should be {expected}, got {got}")


@register(
    "ex-devices-broadcast",
    "Evaluate a batch of angles in one QNode call (parameter broadcasting)",
    [
        "PennyLane gates accept an array of angles: the QNode then runs every angle at once and returns one "
        "result per angle. The check counts how often the device `dev` is called.",
        "Build the QNode on the device you are given: qml.QNode(circuit, dev) or @qml.qnode(dev). Inside: "
        "qml.RY(theta, wires=0) and return qml.expval(qml.PauliZ(0)).",
        "Call the QNode ONCE with the whole array, circuit(angles), and return the result; a Python loop or "
        "a list comprehension calls the device once per angle.",
    ],
    "batch_expvals",
)
def _check_broadcast(batch_expvals: Any) -> None:
    from qgan_helpers.quantum.devices import make_device

    expect(callable(batch_expvals), "batch_expvals should be a function of (angles, dev)")
    angles = np.linspace(0.0, np.pi, 7)
    dev = make_device("default.qubit", wires=1)
    with qml.Tracker(dev) as tracker:
        out = batch_expvals(angles, dev)
    values = _as_array(out, "batch_expvals(angles, dev)")
    expect(values.shape == (7,), f"7 angles should give 7 expectation values, got shape {values.shape}")
    expect(
        np.allclose(values, np.cos(angles), atol=1e-6),
        f"<Z> after RY(theta) is cos(theta); for angles {np.round(angles, 2).tolist()} "
        f"expected {np.round(np.cos(angles), 3).tolist()}, got {np.round(values, 3).tolist()}",
    )
    calls = tracker.totals.get("batches", 0)
    expect(calls > 0, "the QNode did not run on the device `dev` passed in: build it with qml.QNode(circuit, dev)")
    expect(calls == 1, f"the device was called {calls} times; pass the whole array in ONE call (no loop)")


@register(
    "ex-devices-shots-expval",
    "Estimate <Z> from measured bits",
    [
        "<Z> is an average over the shots, but not the average of the bits: what value does Z take when a "
        "shot reads 0, and when it reads 1?",
        "A bit b = 0 means the Z eigenvalue +1 and b = 1 means -1: the eigenvalue is 1 - 2*b.",
        "Return float(np.mean(1 - 2 * bits)).",
    ],
    "expval_from_samples",
)
def _check_shots_expval(expval_from_samples: Any) -> None:
    expect(callable(expval_from_samples), "expval_from_samples should be a function of an array of bits")
    rng = np.random.default_rng(7)
    cases = [np.zeros(10, dtype=int), np.ones(10, dtype=int), np.array([0, 1, 1, 1]), rng.integers(0, 2, 1000)]
    for bits in cases:
        got = expval_from_samples(bits.copy())
        value = _as_array(got, "expval_from_samples(bits)")
        expect(value.size == 1, f"expval_from_samples should return one number, got shape {value.shape}")
        value = float(value.reshape(()))
        expected = float(np.mean(1 - 2 * bits))
        if abs(value - bits.mean()) < 1e-9 and abs(value - expected) > 1e-9:
            expect(False, "that is the fraction of 1s (the probability of |1>); <Z> maps 0 -> +1 and 1 -> -1")
        expect(
            abs(value - expected) < 1e-9,
            f"for bits {bits[:6].tolist()}{'...' if bits.size > 6 else ''} <Z> is {expected:.4f}, got {value:.4f}",
        )
