"""Run many patch circuits on a noisy Qiskit Aer simulator: transpile once, bind all angles, one call.

A PennyLane ``qiskit.aer`` device (:func:`qgan_helpers.hardware.noise.fake_backend_device`)
transpiles every circuit it receives on its own, which costs more than simulating it. The patch
generator's circuits differ only in their angles, so :class:`AerRunner` transpiles the
parametrised circuit (:func:`qgan_helpers.hardware.qiskit_bridge.patch_circuit`) *once* per
architecture and fold factor, and hands Aer all angle vectors of a batch in one ``run`` call
(``parameter_binds``). The simulation is a density-matrix simulation with the device's noise:

* ``shots=None``: the exact noisy probabilities (Aer's ``save_probabilities``; the readout errors
  of the noise model are then applied as confusion matrices, which is what sampling would do);
* ``shots=k``: ``k`` samples per circuit, as a real device would return.

Zero-noise extrapolation needs the same circuits with *more* noise: ``scale = 2k + 1`` runs the
circuit ``C`` as ``C (C^-1 C)^k`` (global unitary folding), with barriers so that the transpiler
cannot cancel the folds.

Examples
--------
>>> from qgan_helpers.models import PatchQuantumGenerator
>>> gen = PatchQuantumGenerator(n_qubits=3, depth=1, n_generators=1, n_pixels=4)
>>> runner = AerRunner(DepolarizingNoise(0.0), shots=None)
>>> p = runner.probs(gen, gen.sample_noise(2))
>>> p.shape, bool(np.allclose(p.sum(-1), 1))
((1, 2, 8), True)
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from qgan_helpers import validation
from qgan_helpers.hardware.noise import DepolarizingNoise, fake_backend
from qgan_helpers.hardware.qiskit_bridge import _check_generator, patch_angles, patch_circuit

__all__ = ["AerRunner", "fold_circuit", "counts_to_probs"]


def fold_circuit(circuit: Any, scale: int) -> Any:
    """Global unitary folding: ``C`` -> ``C (C^-1 C)^k`` for ``scale = 2k + 1``, with barriers between folds.

    Parameters
    ----------
    circuit : qiskit.QuantumCircuit
        Without measurements.
    scale : int
        An odd positive integer (1 returns a copy).

    Returns
    -------
    qiskit.QuantumCircuit
        ``scale`` times as many gates, the same unitary.
    """
    if isinstance(scale, bool) or not isinstance(scale, (int, np.integer)) or scale < 1 or scale % 2 == 0:
        raise ValueError(f"scale: expected an odd positive integer (1, 3, 5, ...), got {scale!r}")
    folded = circuit.copy()
    inverse = circuit.inverse()
    for _ in range((int(scale) - 1) // 2):
        folded.barrier()
        folded.compose(inverse, inplace=True)
        folded.barrier()
        folded.compose(circuit, inplace=True)
    return folded


def counts_to_probs(counts: list[dict[str, int]], n_qubits: int) -> np.ndarray:
    """Qiskit counts (one dict per circuit) -> relative frequencies of shape (N, 2**n_qubits), PennyLane's order.

    Examples
    --------
    >>> counts_to_probs([{"01": 3, "10": 1}], 2).tolist()
    [[0.0, 0.75, 0.25, 0.0]]
    """
    out = np.zeros((len(counts), 2**n_qubits))
    for i, c in enumerate(counts):
        for key, value in c.items():
            out[i, int(key.replace(" ", ""), 2)] += value
    total = out.sum(axis=1, keepdims=True)
    return out / np.where(total == 0, 1, total)


def _check_shots(shots: Any) -> int | None:
    if shots is None:
        return None
    wanted = "shots: expected a positive integer or None (exact probabilities)"
    if not validation.is_int(shots):
        raise validation.ArgumentTypeError(f"{wanted}, got {shots!r}")
    if shots < 1:
        raise ValueError(f"{wanted}, got {shots!r}")
    return int(shots)


class AerRunner:
    """A noisy Aer density-matrix simulator for batches of patch circuits.

    Parameters
    ----------
    device : str or DepolarizingNoise
        A fake backend name (``"FakeManilaV2"``; circuits are transpiled to its coupling map and
        basis gates and simulated with its calibrated noise) or a :class:`DepolarizingNoise`
        (circuits keep PennyLane's ``RY``/``CZ`` gates, no coupling map).
    shots : int or None
        Shots per circuit; ``None`` gives exact noisy probabilities.
    seed : int
        Seeds the simulator's sampling and the transpiler.
    optimization_level : int
        Transpiler level for fake backends (0..3).

    Attributes
    ----------
    executions : int
        Circuits run so far (each with ``shots`` shots).
    seconds : float
        Wall time spent in transpilation and simulation.
    """

    def __init__(self, device: Any = "FakeManilaV2", *, shots: int | None = 1000, seed: int = 0,
                 optimization_level: int = 1) -> None:
        from qiskit_aer import AerSimulator

        self.shots = _check_shots(shots)
        seed = validation.seed(seed)
        self.seed = int(seed)
        if optimization_level not in (0, 1, 2, 3):
            raise ValueError(f"optimization_level: expected 0, 1, 2 or 3, got {optimization_level!r}")
        self.optimization_level = int(optimization_level)
        options = dict(method="density_matrix", seed_simulator=self.seed, max_parallel_threads=1)
        if isinstance(device, DepolarizingNoise):
            self.noise = device
            self.backend = None
            self.name = device.label
            self.noise_model = device.qiskit_model()
            self.simulator = AerSimulator(noise_model=self.noise_model, **options)
        elif isinstance(device, str):
            self.noise = None
            self.backend = fake_backend(device)
            self.name = device
            self.simulator = AerSimulator.from_backend(self.backend, **options)
            self.noise_model = self.simulator.options.noise_model
        else:
            raise TypeError(f"device: expected a fake backend name such as 'FakeManilaV2' or a DepolarizingNoise, "
                            f"got {type(device).__name__}")
        self._cache: dict[tuple[int, int, int], tuple[Any, Any, list[int]]] = {}
        self.executions = 0
        self.seconds = 0.0

    def __repr__(self) -> str:
        return f"AerRunner({self.name!r}, shots={self.shots}, seed={self.seed})"

    # -- transpilation ------------------------------------------------------------------------
    def _transpile(self, circuit: Any, initial_layout: list[int] | None = None) -> Any:
        from qiskit import transpile

        if self.backend is None:
            basis = sorted({i.operation.name for i in circuit.data} - {"barrier", "measure"}) or ["id"]
            return transpile(circuit, basis_gates=basis, optimization_level=0)
        return transpile(circuit, self.backend, optimization_level=self.optimization_level,
                         seed_transpiler=self.seed, initial_layout=initial_layout)

    def transpiled(self, generator: Any, scale: int = 1) -> tuple[Any, Any, list[int]]:
        """The transpiled circuit of ``generator``'s architecture at fold ``scale``.

        Returns
        -------
        (qiskit.QuantumCircuit, ParameterVector, list of int)
            The circuit without measurements, its parameters, and the physical qubit that holds
            each logical qubit at the end (all folds use the layout of ``scale=1``).
        """
        gen = _check_generator(generator)
        key = (gen.n_qubits, gen.depth, tuple(gen.encoding_shape), tuple(gen.upload_layers), int(scale))
        if key not in self._cache:
            t0 = time.perf_counter()
            logical, theta = patch_circuit(gen, measure=False)
            layout = None
            if scale != 1:
                layout = self.transpiled(gen, 1)[2] if self.backend is not None else None
            tq = self._transpile(fold_circuit(logical, scale), layout)
            if tq.layout is not None:
                physical = list(tq.layout.final_index_layout())
            else:
                physical = list(range(gen.n_qubits))
            self._cache[key] = (tq, theta, physical)
            self.seconds += time.perf_counter() - t0
        return self._cache[key]

    # -- execution ----------------------------------------------------------------------------
    def _readout_matrices(self, physical: list[int]) -> list[np.ndarray]:
        """The noise model's readout confusion ``A[measured, prepared]`` of each PennyLane wire (wire 0 first).

        ``physical[i]`` holds logical qubit ``i``, which is PennyLane wire ``n - 1 - i``.
        """
        mats = {q: np.eye(2) for q in physical}
        for err in self.noise_model.to_dict().get("errors", []):
            if err.get("type") != "roerror":
                continue
            probs = np.asarray(err["probabilities"], dtype=float)  # rows: prepared, columns: measured
            qubits = err.get("gate_qubits")
            targets = physical if not qubits else [q[0] for q in qubits]
            for q in targets:
                if q in mats:
                    mats[q] = probs.T
        return [mats[q] for q in reversed(physical)]

    def run_circuit(self, circuit: Any, physical: list[int], binds: dict[Any, np.ndarray] | None, n: int) -> np.ndarray:
        """Run a transpiled circuit (without measurements) for ``n`` parameter sets -> probabilities (n, 2**k).

        ``physical[i]`` is the physical qubit of logical qubit ``i``; the result is in PennyLane's order.
        """
        from qgan_helpers.hardware.mitigation import apply_confusion

        t0 = time.perf_counter()
        qc = circuit.copy()
        k = len(physical)
        kwargs: dict[str, Any] = {}
        if binds:
            kwargs["parameter_binds"] = [binds]
        if self.shots is None:
            qc.save_probabilities(qubits=physical)
            result = self.simulator.run(qc, **kwargs).result()
            exact = np.stack([np.asarray(result.data(i)["probabilities"], dtype=float) for i in range(n)])
            out = apply_confusion(exact, self._readout_matrices(physical))
        else:
            from qiskit import ClassicalRegister

            creg = ClassicalRegister(k, "meas")
            qc.add_register(creg)
            for i, q in enumerate(physical):
                qc.measure(q, creg[i])
            result = self.simulator.run(qc, shots=self.shots, **kwargs).result()
            counts = result.get_counts()
            out = counts_to_probs(counts if isinstance(counts, list) else [counts], k)
        self.executions += n
        self.seconds += time.perf_counter() - t0
        return out

    def probs(self, generator: Any, noise: Any, scale: int = 1) -> np.ndarray:
        """Noisy probabilities of all circuits of a batch.

        Parameters
        ----------
        generator : PatchQuantumGenerator
        noise : torch.Tensor, shape (B, latent_dim)
        scale : int
            Fold factor (1 = the circuit itself).

        Returns
        -------
        numpy.ndarray, shape (G, B, 2**n_qubits)
        """
        gen = _check_generator(generator)
        angles = patch_angles(gen, noise)
        tq, theta, physical = self.transpiled(gen, scale)
        binds = {p: angles[:, p.index] for p in tq.parameters}
        out = self.run_circuit(tq, physical, binds, len(angles))
        return out.reshape(gen.n_generators, -1, 2**gen.n_qubits)

    def calibrate_readout(self, generator: Any) -> list[np.ndarray]:
        """Measure each qubit's readout confusion with two circuits: all qubits in 0, all in 1.

        Uses the same physical qubits as ``generator``'s circuits and this runner's shots.

        Returns
        -------
        list of numpy.ndarray, each (2, 2)
            ``A[j][m, s]`` = probability of reading ``m`` on PennyLane wire ``j`` when it was prepared
            in ``s`` (the order :func:`qgan_helpers.hardware.mitigation.apply_confusion` expects).
        """
        from qiskit import QuantumCircuit

        gen = _check_generator(generator)
        n = gen.n_qubits
        physical = self.transpiled(gen, 1)[2]
        marginals = []
        for prepared in (0, 1):
            qc = QuantumCircuit(n)
            if prepared:
                qc.x(range(n))
            tq = self._transpile(qc, physical if self.backend is not None else None)
            phys = list(tq.layout.final_index_layout()) if tq.layout is not None else list(range(n))
            p = self.run_circuit(tq, phys, None, 1)[0].reshape([2] * n)
            # axis j of the reshaped probabilities is PennyLane wire j
            marginals.append([p.sum(axis=tuple(a for a in range(n) if a != j)) for j in range(n)])
        return [np.stack([marginals[0][j], marginals[1][j]], axis=1) for j in range(n)]
