"""Exercises of the chapter "Qubits and gates from zero" (book/qubits.ipynb).

The circuits the learner writes are quantum functions (gates, no QNode, no return value). The checks
record them with :func:`pennylane.tape.make_qscript`, refuse anything that is not a named gate
(``StatePrep``, ``QubitUnitary``, ``BasisState``, ... would write the answer in directly), and run the
recorded gates on a simulator of their own. The computations are called on several random inputs, so
no hard-coded answer passes.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pennylane as qml

from qgan_helpers.course.checks import as_array as _numbers
from qgan_helpers.course.checks import expect, register

__all__: list[str] = []

# Gates a learner may use to *build* a state. Everything else (state preparation, arbitrary matrices,
# embeddings) is refused by name, so that the state has to come from gates.
_GATES = {
    "Identity", "Hadamard", "PauliX", "PauliY", "PauliZ", "S", "T", "SX", "RX", "RY", "RZ", "Rot",
    "PhaseShift", "U1", "U2", "U3", "GlobalPhase", "CNOT", "CZ", "CY", "SWAP", "ISWAP", "CRX", "CRY",
    "CRZ", "CRot", "ControlledPhaseShift", "IsingXX", "IsingYY", "IsingZZ", "MultiRZ",
}


def _as_complex(value: Any, what: str) -> np.ndarray:
    """The learner's result as a finite complex NumPy array (torch and PennyLane arrays welcome)."""
    expect(value is not None, f"{what} returned None; did you forget a `return`?")
    try:
        arr = np.asarray(qml.math.to_numpy(value), dtype=complex)
    except Exception:  # noqa: BLE001 - anything that is not numeric
        arr = None
    expect(arr is not None, f"{what} should return numbers, got {type(value).__name__}")
    expect(np.all(np.isfinite(arr)), f"{what} returned NaN or infinity")
    return arr


def _fmt(v: np.ndarray) -> str:
    """A short, readable rendering of a (complex) vector or matrix."""
    v = np.round(np.asarray(v, dtype=complex), 3) + 0.0  # + 0.0 turns -0 into 0
    if np.allclose(v.imag, 0):
        return str(v.real.tolist())
    return str(v.tolist()).replace("(", "").replace(")", "")


def _recorded_state(quantum_function: Any, args: tuple, n_wires: int, what: str) -> np.ndarray:
    """Record the gates ``quantum_function(*args)`` applies, check them, run them on |0...0>."""
    tape = qml.tape.make_qscript(quantum_function)(*args)
    ops = list(tape.operations)
    expect(ops, f"{what} applied no gates. Write a quantum function: call gates such as "
           "qml.RY(angle, wires=0) inside it (no QNode, no return value needed)")
    for op in ops:
        name = op.name[len("Adjoint("):-1] if op.name.startswith("Adjoint(") else op.name
        expect(name in _GATES, f"{what} uses {op.name}, which writes a state or a matrix in directly; "
               "build the state from gates (RX, RY, RZ, H, X, Z, CNOT, CZ, ...)")
        expect(set(op.wires.tolist()) <= set(range(n_wires)),
               f"{what} acts on wires {op.wires.tolist()}; use only wires {list(range(n_wires))}")
    script = qml.tape.QuantumScript(ops, [qml.state()])
    state = qml.execute([script], qml.device("default.qubit", wires=n_wires))[0]
    return np.asarray(qml.math.to_numpy(state), dtype=complex)


def _same_state(a: np.ndarray, b: np.ndarray, tol: float = 1e-7) -> bool:
    """Equal up to a global phase: |<a|b>|^2 = 1."""
    return abs(abs(np.vdot(a, b)) ** 2 - 1) < tol


def _bloch(psi: np.ndarray) -> np.ndarray:
    x = 2 * np.real(np.conj(psi[0]) * psi[1])
    y = 2 * np.imag(np.conj(psi[0]) * psi[1])
    z = abs(psi[0]) ** 2 - abs(psi[1]) ** 2
    return np.array([x, y, z])


def _haar(n_qubits: int, rng: np.random.Generator) -> np.ndarray:
    v = rng.normal(size=2**n_qubits) + 1j * rng.normal(size=2**n_qubits)
    return v / np.linalg.norm(v)


def _random_unitary(rng: np.random.Generator) -> np.ndarray:
    q, r = np.linalg.qr(rng.normal(size=(2, 2)) + 1j * rng.normal(size=(2, 2)))
    return q * (np.diag(r) / np.abs(np.diag(r)))


# -- 1. a point on the Bloch sphere --------------------------------------------------------------------
@register(
    "ex-qubits-bloch",
    "Prepare the one-qubit state with Bloch angles (theta, phi) from |0> with rotation gates",
    [
        "Picture the Bloch sphere: |0> is the north pole. You need one rotation that tilts the arrow "
        "down by theta, and one that then turns it around the vertical (z) axis by phi.",
        "Order matters: a rotation about z does nothing you can see at the north pole (only a global "
        "phase), so tilt first, turn second. Which rotation axis tilts |0> towards +x, not towards -y?",
        "After RY(theta) the state is cos(theta/2)|0> + sin(theta/2)|1>. Which rotation of this page "
        "multiplies the |1> amplitude by e^{i phi} relative to the |0> amplitude (up to a global phase)?",
    ],
    "bloch_state",
)
def _check_bloch(bloch_state: Any) -> None:
    expect(callable(bloch_state), "bloch_state should be a function: def bloch_state(theta, phi): ...")
    rng = np.random.default_rng(1804)
    cases = [(np.pi / 2, 0.0), (np.pi / 2, np.pi / 2), (np.pi, 0.0), (np.pi / 3, 5 * np.pi / 4)]
    cases += [(rng.uniform(0.3, np.pi - 0.3), rng.uniform(0.3, 2 * np.pi - 0.3)) for _ in range(4)]
    for theta, phi in cases:
        what = f"bloch_state({theta:.3f}, {phi:.3f})"
        got = _recorded_state(bloch_state, (theta, phi), 1, what)
        target = np.array([np.cos(theta / 2), np.exp(1j * phi) * np.sin(theta / 2)])
        if _same_state(got, target):
            continue
        r_got, r_want = _bloch(got), _bloch(target)
        tilted = np.array([np.cos(theta / 2), np.sin(theta / 2)])  # RY(theta)|0>: phi = 0
        expect(not _same_state(got, tilted), f"{what}: your state is the same as for phi = 0, so phi is "
               "lost. A rotation about z applied at the north pole |0> only adds a global phase: tilt "
               "first, then turn about z")
        if abs(r_got[2] - r_want[2]) < 1e-6:
            azimuth = np.degrees(np.angle(r_got[0] + 1j * r_got[1])) % 360
            expect(False, f"{what}: the tilt is right (z = cos theta = {r_want[2]:.3f}) but the arrow "
                   f"points at azimuth {azimuth:.0f} degrees around the z axis instead of phi = "
                   f"{np.degrees(phi):.0f} degrees. Check the axis of the tilt (RX tilts |0> towards -y, "
                   "RY towards +x) and the turn about z")
        expect(False, f"{what}: the Bloch vector should be {_fmt(r_want)}, yours is {_fmt(r_got)}; "
               "the height z must be cos(theta), so the tilt from the north pole must be theta")


# -- 2. a one-qubit gate inside an n-qubit register --------------------------------------------------------
@register(
    "ex-qubits-embed",
    "The 2**n x 2**n matrix of a one-qubit gate U acting on wire k of n wires, with np.kron",
    [
        "The gate acts on wire k and does nothing (the identity) on every other wire. The whole matrix is a "
        "Kronecker product of n two-by-two matrices, one per wire.",
        "In PennyLane's order wire 0 is the most significant bit, so it is the LEFTMOST factor of the "
        "Kronecker product; start from a 1x1 matrix and np.kron one factor per wire, in order.",
        "For n = 3 and k = 1 the product is I (x) U (x) I: np.kron(np.kron(I, U), I) with I = np.eye(2).",
    ],
    "gate_on_wire",
)
def _check_embed(gate_on_wire: Any) -> None:
    expect(callable(gate_on_wire), "gate_on_wire should be a function: def gate_on_wire(U, k, n): ...")
    rng = np.random.default_rng(1930)
    x_gate = np.array([[0, 1], [1, 0]], dtype=complex)
    cases = [(x_gate, 0, 1), (x_gate, 0, 2), (x_gate, 1, 2)]
    cases += [(_random_unitary(rng), k, n) for k, n in ((0, 2), (1, 2), (0, 3), (1, 3), (2, 3), (1, 4))]
    for u, k, n in cases:
        what = f"gate_on_wire(U, {k}, {n})"
        got = _as_complex(gate_on_wire(u.copy(), k, n), what)
        dim = 2**n
        expect(got.shape == (dim, dim), f"{what} should be a {dim} x {dim} matrix, got shape {got.shape}")
        want = qml.matrix(qml.QubitUnitary(u, wires=k), wire_order=range(n))
        if np.allclose(got, want, atol=1e-8):
            continue
        mirror = n - 1 - k
        if mirror != k and np.allclose(got, qml.matrix(qml.QubitUnitary(u, wires=mirror),
                                                       wire_order=range(n)), atol=1e-8):
            expect(False, f"{what} is U on wire {mirror}: the order of the factors is reversed. Wire 0 "
                   "is the most significant bit, the LEFTMOST factor of the Kronecker product")
        for name, v in (("the transpose", u.T), ("the complex conjugate", u.conj()),
                        ("the conjugate transpose", u.conj().T)):
            if np.allclose(got, qml.matrix(qml.QubitUnitary(v, wires=k), wire_order=range(n)), atol=1e-8):
                expect(False, f"{what} applies {name} of U; put U itself into the Kronecker product")
        expect(False, f"{what} differs from U on wire {k} (and the identity on the other wires); for "
               f"n = {n}, k = {k} the factors are " + " (x) ".join("U" if w == k else "I" for w in range(n)))


# -- 3. the singlet state ----------------------------------------------------------------------------------
@register(
    "ex-qubits-singlet",
    "Prepare (|01> - |10>)/sqrt(2) from |00> with gates",
    [
        "Start from the Bell state (|00> + |11>)/sqrt(2) that H and CNOT make. What has to change to reach "
        "(|01> - |10>)/sqrt(2)? Two things: which bit strings appear, and a sign.",
        "An X gate on wire 1 turns |00> + |11> into |01> + |10>. A Z gate multiplies the |1> part of its "
        "wire by -1: on which wire does it turn |01> + |10> into |01> - |10> (or into -(|01> - |10>), "
        "which is the same state)?",
        "You can also fix the sign before entangling: X on wire 0 first makes H give (|0> - |1>)/sqrt(2).",
    ],
    "singlet",
)
def _check_singlet(singlet: Any) -> None:
    expect(callable(singlet), "singlet should be a function: def singlet(): ... (gates on wires 0 and 1)")
    got = _recorded_state(singlet, (), 2, "singlet()")
    s = 1 / np.sqrt(2)
    if _same_state(got, np.array([0, s, -s, 0])):
        return
    known = {
        "the Bell state (|00> + |11>)/sqrt(2); now make the two bits disagree (an X on one wire)":
            [s, 0, 0, s],
        "(|00> - |11>)/sqrt(2); the sign is there, but the bits should disagree (an X on one wire)":
            [s, 0, 0, -s],
        "(|01> + |10>)/sqrt(2): the right bit strings with the wrong relative sign. A Z gate multiplies "
        "the |1> part of its wire by -1": [0, s, s, 0],
    }
    for text, vec in known.items():
        expect(not _same_state(got, np.array(vec)), f"singlet() makes {text}")
    m = got.reshape(2, 2)
    expect(abs(np.linalg.det(m)) > 1e-6, f"singlet() makes the product state {_fmt(got)} (det of the 2x2 "
           "amplitude matrix is 0): without a CNOT or CZ acting on a superposition nothing gets entangled")
    expect(False, f"singlet() makes {_fmt(got)}; the target is [0, 0.707, -0.707, 0] "
           "(amplitudes of |00>, |01>, |10>, |11>), up to a global phase")


# -- 4. the Born rule, as a sampler ---------------------------------------------------------------------------
def _bits_of(index: np.ndarray, n: int) -> np.ndarray:
    return (index[:, None] >> np.arange(n - 1, -1, -1)) & 1


def _index_of(bits: np.ndarray) -> np.ndarray:
    n = bits.shape[1]
    return bits @ (2 ** np.arange(n - 1, -1, -1))


def _sampler_cases() -> list[tuple[str, np.ndarray]]:
    rng = np.random.default_rng(1926)
    one = np.array([np.sqrt(0.2), np.sqrt(0.8) * np.exp(2j)])
    bit_order = np.sqrt(np.array([0.1, 0.7, 0.05, 0.15])) * np.exp(1j * np.array([0, 1.0, -2.0, 3.0]))
    with_zero = np.array([0.6, 0, -0.8j, 0])
    return [("a 1-qubit state", one), ("a 2-qubit state", bit_order),
            ("a 2-qubit state with two zero amplitudes", with_zero),
            ("a random 3-qubit state", _haar(3, rng))]


@register(
    "ex-qubits-sampler",
    "Sample measurement outcomes (as bits) from a state vector with the Born rule",
    [
        "Two steps: turn the amplitudes into probabilities, then draw `shots` outcome indices from them "
        "with the generator you are given (rng.choice can draw with given probabilities: its p= argument).",
        "The probabilities are |amplitude|**2 (np.abs(state) ** 2), not the amplitudes themselves. An index "
        "i then has to become n bits, wire 0 first: index 1 of 2 qubits is [0, 1].",
        "np.binary_repr(i, width=n) gives the bits of i as a string, most significant first; or shift: "
        "(i >> (n - 1 - k)) & 1 is the bit of wire k.",
    ],
    "born_samples",
)
def _check_sampler(born_samples: Any) -> None:
    expect(callable(born_samples), "born_samples should be a function: def born_samples(state, shots, rng): ...")
    shots = 20_000
    for name, state in _sampler_cases():
        n = int(np.log2(len(state)))
        what = f"born_samples({name}, {shots}, rng)"
        try:
            raw = born_samples(state.copy(), shots, np.random.default_rng(11))
        except (ValueError, TypeError) as exc:
            text = str(exc)
            expect("probabilit" not in text and "complex" not in text, f"{what} raised "
                   f"{type(exc).__name__}: {text}. Probabilities must be real, non-negative and sum to 1: "
                   "the Born rule squares the magnitudes of the amplitudes, np.abs(state) ** 2")
            raise
        got = _numbers(raw, what)
        if got.shape == (shots,) and n == 1:
            got = got[:, None]
        expect(got.shape != (shots,), f"{what} returned {shots} numbers, one per shot: outcome indices? "
               f"Turn each index into its {n} bits, wire 0 first (index 1 of 2 qubits is the row [0, 1])")
        expect(got.shape == (shots, n), f"{what} should return one row of bits per shot, one bit per "
               f"wire: shape ({shots}, {n}), got shape {got.shape}")
        expect(np.all((got == 0) | (got == 1)), f"{what} should contain only bits 0 and 1")
        again = _numbers(born_samples(state.copy(), shots, np.random.default_rng(11)), what).reshape(got.shape)
        expect(np.array_equal(got, again), f"{what} gave different samples for two generators with the same "
               "seed: draw with the rng you are given (rng.choice), not np.random or a new generator")
        other = _numbers(born_samples(state.copy(), shots, np.random.default_rng(12)), what).reshape(got.shape)
        expect(not np.array_equal(got, other), f"{what} gave the same samples for two different seeds; "
               "measurement outcomes should be random draws from the rng you are given")
        p = np.abs(state) ** 2
        freq = np.bincount(_index_of(got.astype(int)), minlength=2**n) / shots
        tol = 5 * np.sqrt(p * (1 - p) / shots) + 1e-9

        def matches(q: np.ndarray, freq: np.ndarray = freq) -> bool:
            return bool(np.all(np.abs(freq - q) <= 5 * np.sqrt(q * (1 - q) / shots) + 1e-9))

        if matches(p):
            continue
        if n > 1:
            reverse = _index_of(_bits_of(np.arange(2**n), n)[:, ::-1])
            expect(not matches(p[reverse]), f"{what}: the frequencies fit the state with its bits reversed. "
                   "Wire 0 is the most significant bit: index 1 of 2 qubits is the row [0, 1]")
        amp = np.abs(state) / np.abs(state).sum()
        expect(not matches(amp), f"{what}: the frequencies follow |amplitude|, not |amplitude|**2 "
               "(the Born rule squares the magnitude)")
        worst = int(np.argmax(np.abs(freq - p) / tol))
        expect(False, f"{what}: outcome {np.binary_repr(worst, n)} has probability {p[worst]:.3f} but "
               f"appeared in a fraction {freq[worst]:.3f} of the shots, more than 5 standard errors away")


# -- 5. the reduced density matrix ---------------------------------------------------------------------------
def _reduced_cases() -> list[tuple[str, np.ndarray]]:
    rng = np.random.default_rng(1932)
    s = 1 / np.sqrt(2)
    product = np.kron([np.cos(0.4), 1j * np.sin(0.4)], [s, s * np.exp(0.9j)])
    return [("the Bell state", np.array([s, 0, 0, s], dtype=complex)), ("|01>", np.eye(4)[1].astype(complex)),
            ("a product state", product)] + [(f"random state #{i}", _haar(2, rng)) for i in range(4)]


@register(
    "ex-qubits-reduced",
    "The reduced density matrix of wire k of a two-qubit state vector",
    [
        "Reshape the four amplitudes into a 2x2 matrix M whose row is the bit of wire 0 and whose column is "
        "the bit of wire 1. Tracing out a wire means summing over its index.",
        "For wire 0: (rho_0)[a, b] = sum over c of M[a, c] * conj(M[b, c]). Which matrix product is that? For "
        "wire 1 the roles of rows and columns swap.",
        "The page computes rho_0 = M @ M.conj().T. For wire 1, make wire 1 the rows first (transpose M), "
        "then use the same product. Test: the trace is 1, and the Bell state gives I/2 for both wires.",
    ],
    "reduced_dm",
)
def _check_reduced(reduced_dm: Any) -> None:
    expect(callable(reduced_dm), "reduced_dm should be a function: def reduced_dm(state, k): ...")
    for name, state in _reduced_cases():
        full = qml.math.dm_from_state_vector(state)
        for k in (0, 1):
            what = f"reduced_dm({name}, {k})"
            got = _as_complex(reduced_dm(state.copy(), k), what)
            expect(got.shape == (2, 2), f"{what} should be a 2x2 density matrix, got shape {got.shape}")
            want = np.asarray(qml.math.reduce_dm(full, indices=[k]))
            if np.allclose(got, want, atol=1e-8):
                continue
            other = np.asarray(qml.math.reduce_dm(full, indices=[1 - k]))
            expect(not np.allclose(got, other, atol=1e-8), f"{what} is the reduced state of wire {1 - k}: "
                   f"to keep wire {k}, sum over the index of the OTHER wire (rows of state.reshape(2, 2) "
                   "are wire 0, columns wire 1)")
            expect(not np.allclose(got, want.conj(), atol=1e-8), f"{what} is the complex conjugate "
                   "(transpose) of rho: the conjugate belongs on the second factor, rho = M @ M.conj().T")
            expect(abs(np.trace(got) - 1) < 1e-6, f"{what} has trace {_fmt(np.trace(got))}; the diagonal of "
                   "a density matrix holds probabilities, so its trace is 1")
            diagonal_right = np.allclose(np.diag(got), np.diag(want), atol=1e-8)
            expect(not (diagonal_right and np.allclose(got, np.diag(np.diag(got)), atol=1e-8)),
                   f"{what}: the diagonal (the probabilities of wire {k}) is right, but the off-diagonal "
                   f"entries are missing: should be {_fmt(want)}. A reduced state is more than its "
                   "probabilities; the off-diagonal entries carry the phases")
            expect(not (np.allclose(got, want.real, atol=1e-8) and not np.allclose(want.imag, 0)),
                   f"{what} has lost the imaginary parts of rho (should be {_fmt(want)}): keep the complex "
                   "numbers, do not take .real")
            if diagonal_right:
                expect(False, f"{what}: the diagonal (the probabilities of wire {k}) is right, the off-diagonal "
                       f"entries are not: should be {_fmt(want)}, got {_fmt(got)}. They are sums of products "
                       "psi[a, c] * conj(psi[b, c]) with a != b, which carry the phases")
            expect(False, f"{what} should be {_fmt(want)}, got {_fmt(got)}")


# -- 6. fidelities of Haar-random states ------------------------------------------------------------------------
def _ks_distance(sample: np.ndarray, cdf: Any) -> float:
    x = np.sort(sample)
    n = len(x)
    c = cdf(x)
    return float(max(np.max(np.arange(1, n + 1) / n - c), np.max(c - np.arange(n) / n)))


@register(
    "ex-qubits-haar",
    "Sample the fidelities of pairs of Haar-random n-qubit states; compare their mean with 1/2**n",
    [
        "For each pair you need two independent random states of 2**n amplitudes, drawn the Haar way the page "
        "describes, and then one number: how much they overlap.",
        "A Haar-random state: real AND imaginary part of every amplitude from rng.normal, then divide the "
        "vector by its norm. Real Gaussians alone give real states only, which overlap more.",
        "The fidelity of two state vectors is np.abs(np.vdot(a, b)) ** 2 (the magnitude squared, not the "
        "overlap itself). You can draw all states at once: rng.normal(size=(n_pairs, 2**n)).",
    ],
    "haar_fidelities",
)
def _check_haar(haar_fidelities: Any) -> None:
    from scipy import stats

    expect(callable(haar_fidelities),
           "haar_fidelities should be a function: def haar_fidelities(n_qubits, n_pairs, rng): ...")
    n_pairs = 4000
    for n in (1, 2, 3):
        what = f"haar_fidelities({n}, {n_pairs}, rng)"
        got = _numbers(haar_fidelities(n, n_pairs, np.random.default_rng(100 + n)), what)
        expect(got.shape == (n_pairs,), f"{what} should return {n_pairs} fidelities, got shape {got.shape}")
        expect(np.all((got >= -1e-9) & (got <= 1 + 1e-9)), f"{what}: a fidelity lies between 0 and 1, "
               f"yours range from {got.min():.3f} to {got.max():.3f} (square the magnitude of the overlap)")
        again = _numbers(haar_fidelities(n, n_pairs, np.random.default_rng(100 + n)), what)
        expect(np.array_equal(got, again.reshape(got.shape)), f"{what} gave different results for two "
               "generators with the same seed: draw every random number from the rng you are given")
        other = _numbers(haar_fidelities(n, n_pairs, np.random.default_rng(200 + n)), what)
        expect(not np.array_equal(got, other.reshape(got.shape)), f"{what} gave the same numbers for two "
               "different seeds; the fidelities should be random samples")
        dim = 2**n
        limit = 2.0 / np.sqrt(n_pairs)  # Kolmogorov-Smirnov: passes by chance with probability 0.999
        haar = _ks_distance(got, lambda f, dim=dim: 1 - (1 - f) ** (dim - 1))
        if haar <= limit:
            continue
        real = _ks_distance(got, stats.beta(0.5, (dim - 1) / 2).cdf)
        expect(real > limit, f"{what}: these are the fidelities of random states with REAL amplitudes; "
               "Haar-random states have complex Gaussian amplitudes (a real and an imaginary part)")
        mean = float(got.mean())
        expect(False, f"{what}: the fidelities do not follow the Haar law P(F) = (N-1)(1-F)^(N-2) with "
               f"N = {dim} (largest gap between the distribution functions {haar:.3f}); your mean is "
               f"{mean:.3f}, the exact mean is 1/{dim} = {1 / dim:.3f}")
