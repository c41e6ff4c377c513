"""The patch quantum generator of Huang et al. (2021): ``G`` small circuits, each painting one patch.

This module holds :class:`PatchQuantumGenerator` (its class-conditional variant is in
:mod:`.conditional`, its output maps in :mod:`.pixel_map`, its fast simulator in :mod:`.replay`).

The patch method
----------------
A :class:`PatchQuantumGenerator` owns ``G = n_generators`` small circuits ("sub-generators") on
``n_qubits`` wires. Each one angle-encodes the same noise vector ``z`` (``RY(z_i)`` on wire ``i``),
applies ``depth`` trainable patch layers (``RY`` on every wire, then a CZ chain; see
:func:`qgan_helpers.quantum.circuits.patch_ansatz`) and measures the probabilities of all ``2**n_qubits``
basis states. The first ``n_ancillas`` wires are ancillas: keeping the outcomes in which they read
``0`` and renormalising (:func:`qgan_helpers.quantum.measurement.postselect`) leaves a distribution over
``2**(n_qubits - n_ancillas)`` outcomes -- one *patch* of pixels. An output map (``pixel_method``,
below) turns it into intensities in ``[0, 1]``. Sub-generator ``g`` fills pixels
``g*P .. (g+1)*P - 1`` of the flattened image (``P`` = patch size), so with the defaults (5 qubits,
1 ancilla, 4 sub-generators) each one paints two rows of an 8x8 digit; 8 sub-generators of
``P = 8`` (4 qubits and 1 ancilla, or 5 qubits and 2 ancillas) paint one row each.

Noise re-uploading
------------------
Encoding ``z`` once makes every amplitude a degree-1 trigonometric polynomial in each ``z_i``
(Schuld, Sweke & Meyer 2021): the probabilities, and hence the patches, contain only the
frequencies ``0`` and ``1`` of each ``z_i`` -- whatever the depth. ``reupload=True`` applies the
``RY(z_i)`` encoding again before *every* trainable layer (``depth`` encodings in all), which raises
the degree to ``depth`` in each ``z_i`` at no cost in parameters or gates that matter: each
encoding rotation sits right before the layer's ``RY`` on the same wire, so the two merge into one
``RY(z_i + w_{l,i})`` (the lean replay does exactly that).

``upload_every=k`` (with ``reupload=True``) re-encodes only before layers ``0, k, 2k, ...``
(``U = ceil(depth / k)`` encodings, :attr:`PatchQuantumGenerator.upload_layers`).

Input scaling and noise blocks
------------------------------
Two ways to change *what* the encodings feed in, both still one ``RY`` per wire per encoding (so
the lean replay merges each into its layer exactly as above):

``input_scaling=True``
    every encoding gets trainable scales, ``RY(s[g, u, i] * z_i)`` -- the input weights of data
    re-uploading (Perez-Salinas et al. 2020), ``G * U * n_qubits`` extra parameters. An offset
    would be redundant (it merges into the layer's own angle), so only the width of the noise is
    learned. **In the GAN game this collapses the generator**: on the zeros (1500 steps, 3 seeds,
    one or two or eight encodings) the recall of every scaled variant fell to 0.00-0.09 at a
    precision of about 1.0 -- the generator learns to shrink the influence of its own noise (seed
    0: the mean scale fell from 1.0 to 0.22 with one encoding, from 0.5 to 0.12 with two), the
    shortest way to the few images the discriminator currently accepts.
``noise_per_upload=True``
    every encoding reads its *own* ``n_qubits`` noise angles, so the latent has ``U * n_qubits``
    dimensions (:attr:`PatchQuantumGenerator.latent_dim`) at the same qubit count and no extra
    parameter ("noise blocks"). With a single encoding the samples lie on a manifold too thin for
    the data: in the shipped zero checkpoint a generated zero's nearest generated neighbour is at a
    median pixel distance of 0.72 where a real zero's nearest real neighbour is at 0.94 -- which is
    what the 1-NN two-sample test sees. Two blocks (before layers 0 and 6 of 12) are part of
    :data:`~qgan_helpers.training.PATCH_DEFAULTS`; they raise the recall (0.38 -> 0.88 after
    1500 steps on the zeros), three blocks raise it further but cost precision (0.3) and FD (see
    ``qgan_helpers/results/patch_ablation.json``).

Both leave the defaults of this class unchanged (one encoding, the paper's circuit); with one
encoding (``reupload=False`` or ``upload_every >= depth``) ``noise_per_upload`` changes nothing.

Speed: one call for everything
------------------------------
Training needs the ``G * B`` circuits of a batch (4 x 32 = 128 with the defaults) and their
gradients. Three ways to get them from PennyLane, all with ``default.qubit`` and
``diff_method="backprop"`` (gradients by torch autograd through the simulator):

``method="loop"``
    one QNode call per sample *and* sub-generator (``G * B`` calls) -- the PennyLane demo's way,
    the reference used by the tests and the benchmark (:meth:`PatchQuantumGenerator.forward_loop`);
``method="per_generator"``
    one *broadcast* QNode call per sub-generator: the noise batch is the broadcast dimension;
``method="broadcast"``
    one broadcast QNode call for all sub-generators: the weights ``(G, depth, n)`` are expanded to
    ``(G*B, depth, n)`` and the noise repeated to ``(G*B, n)``, so a single call evaluates all
    ``G*B`` circuits.

At this size the state vectors are tiny (``128 x 32`` amplitudes), so the time of a call is almost
all Python: building the tape, running the transform program, and dispatching every one of the
59 gates of the default circuit through PennyLane's simulator (roughly ten small torch operations per gate, forward and
backward). ``method="lean"`` (the default for ``default.qubit``) therefore records the circuit
**once** as a PennyLane tape (the same :func:`~qgan_helpers.quantum.circuits.angle_encoding` and
:func:`~qgan_helpers.quantum.circuits.patch_ansatz` calls), and each forward pass *replays* that tape on a
batched state vector: the gate matrices come from PennyLane (one broadcast
``qml.RY.compute_matrix`` call for all rotation angles of the batch, ``qml.matrix`` for the fixed
CZ gates, which are merged into one sign vector per layer), and each gate is one batched
``torch.matmul`` of the shared state-vector engine (:mod:`qgan_helpers.quantum.engine`, which the
hybrid generator and the QCBM run on too; :class:`~qgan_helpers.models.replay.TapeReplay` compiles
the tape into its steps). Because ``RY`` and ``CZ`` are real matrices the replay keeps the state real
(``float64``), exactly as PennyLane's complex simulation would (the tests check values and
gradients against ``method="loop"`` to 1e-6, and one patch against an independent NumPy
calculation). Circuits with complex gates are refused by the lean path (use ``"broadcast"``).
With ``reupload=True`` the same noise placeholder feeds ``depth`` rotations; each merged rotation
sums the entries it reads, so the replay (and autograd through it) handles that unchanged.
``benchmarks/bench_generator_speed.py`` measures all four side by side.
"""

from __future__ import annotations

from typing import Any

import pennylane as qml
import torch
from torch import nn

from qgan_helpers import validation
from qgan_helpers.models.common import _bool_arg, _check_noise, _patch_size, _sample_angles, _stitch
from qgan_helpers.models.pixel_map import PatchPixelMap, _check_pixel_method
from qgan_helpers.models.replay import TapeReplay
from qgan_helpers.quantum.circuits import angle_encoding, patch_ansatz, patch_layer, patch_weight_shape
from qgan_helpers.quantum.measurement import postselect

__all__ = ["METHODS", "PatchQuantumGenerator"]

METHODS: tuple[str, ...] = ("lean", "broadcast", "per_generator", "loop")
"""Ways :class:`PatchQuantumGenerator` can evaluate its circuits (see the module docstring)."""

_BROADCAST_GRAD_METHODS: tuple[str, ...] = ("backprop", "best")
"""``diff_method`` values that can differentiate broadcast tapes (parameter-shift cannot: PennyLane #4462)."""

class PatchQuantumGenerator(nn.Module):
    """The patch quantum generator of Huang et al. (2021), evaluated with broadcast circuit calls.

    Noise ``z`` of shape ``(B, n_qubits)`` -> ``G`` circuits per sample -> post-selected patches of
    ``P = 2**(n_qubits - n_ancillas)`` probabilities -> output map -> images ``(B, n_pixels)``.

    By default (``method="lean"``) all ``G * B`` circuits of a batch run as one batched state vector
    on the shared engine (:mod:`qgan_helpers.quantum.engine`, through
    :class:`~qgan_helpers.models.replay.TapeReplay`) instead of PennyLane QNode calls, whose time at
    this size is almost all per-call and per-gate Python (see the module docstring, "Speed").

    Parameters
    ----------
    n_qubits : int
        Wires per sub-generator (>= 1); the noise has one angle per wire.
    n_ancillas : int
        Ancilla wires (the first ones), in ``[0, n_qubits - 1]``; a patch has
        ``2**(n_qubits - n_ancillas)`` pixels.
    depth : int
        Trainable patch layers (>= 1).
    n_generators : int
        Sub-generators (>= 1), each filling one patch.
    n_pixels : int
        Pixels of the flattened output image; must be at most ``n_generators * patch_size``
        (the last patch is cropped if it overhangs).
    init_scale : float
        Initial weights are ``init_scale * randn(n_generators, depth, n_qubits)``.
    device : str
        PennyLane device name for the QNode paths (``"default.qubit"``; ``"lightning.qubit"`` works
        with ``diff_method="parameter-shift"``).
    diff_method : str, optional
        Defaults to ``"backprop"`` on ``default.qubit`` and ``"parameter-shift"`` elsewhere.
    method : {"lean", "broadcast", "per_generator", "loop"}, optional
        How :meth:`forward` evaluates the circuits (see the module docstring). Defaults to
        ``"lean"`` on ``default.qubit`` with backprop, ``"broadcast"`` on other devices with backprop,
        and ``"loop"`` for any other ``diff_method`` (PennyLane cannot differentiate broadcast tapes
        with parameter-shift; asking for ``"broadcast"`` or ``"per_generator"`` then raises a
        ``ValueError`` when gradients are needed, and works under ``torch.no_grad()``).
    pixel_method : {"max", "minmax", "threshold", "threshold_gain"}
        The output map of every patch (see :class:`PatchPixelMap` and the module docstring);
        ``"max"`` = ``p / max(p)``, the paper's.
    reupload : bool
        Apply the noise encoding ``RY(z_i)`` again before every trainable layer (``depth``
        encodings instead of one; see the module docstring). False = the paper's circuit.
    threshold_init : float
        Initial black level ``t_g`` in ``(0, 1)`` of the learned output maps (ignored otherwise).
    upload_every : int
        With ``reupload=True``: encode the noise before layers ``0, k, 2k, ...`` only
        (``k = upload_every >= 1``), i.e. ``U = ceil(depth / k)`` encodings; ``k >= depth`` leaves
        the single encoding before layer 0 (so a spacing chosen for one depth stays valid when the
        depth is overridden). Ignored without ``reupload`` (one encoding).
    input_scaling : bool
        Give every encoding rotation a trainable scale: upload ``u`` of sub-generator ``g`` rotates
        wire ``i`` by ``s[g, u, i] * z_i`` instead of ``z_i`` (``G * U * n_qubits`` extra parameters,
        :attr:`input_scale`). The trainable input weights of data re-uploading (Perez-Salinas et al.
        2020): the circuit picks how strongly, and at which frequency, each noise angle enters each
        layer, instead of the fixed width ``pi/2`` of :data:`NOISE_RANGE` (an offset would be
        redundant: it merges into the layer's own ``RY``). False = the paper's fixed encoding.
    input_scale_init : float, optional
        The initial scales (with ``input_scaling``); default ``1 / U``, so that the ``U`` encodings
        of a wire start with the same total rotation ``z_i`` as the paper's single encoding.
    noise_per_upload : bool
        Give every encoding its own ``n_qubits`` noise angles: encoding ``u`` reads
        ``z[u * n_qubits : (u + 1) * n_qubits]``, so the latent has ``U * n_qubits`` dimensions
        (:attr:`latent_dim`) instead of ``n_qubits`` -- the images can vary along more directions
        at the same qubit count. False = every encoding re-uses the same ``n_qubits`` angles. With a
        single encoding (``reupload=False``, or ``upload_every >= depth``) it changes nothing.

    Attributes
    ----------
    weights : torch.nn.Parameter, shape (n_generators, depth, n_qubits)
        The trainable RY angles (``n_generators * depth * n_qubits`` parameters, 120 by default).
    input_scale : torch.nn.Parameter, shape (n_generators, n_uploads, n_qubits), or None
        The trainable encoding scales ``s`` (``input_scaling=True`` only).
    pixel_map : PatchPixelMap
        The output map; holds ``0``, ``G`` or ``2 G`` further trainable numbers.

    Examples
    --------
    >>> gen = PatchQuantumGenerator()
    >>> x = gen(gen.sample_noise(3))
    >>> tuple(x.shape), bool(x.min() >= 0), bool(x.max() <= 1)
    ((3, 64), True, True)
    >>> sum(p.numel() for p in gen.parameters())
    120
    >>> rows = PatchQuantumGenerator(n_qubits=4, n_ancillas=1, n_generators=8, reupload=True,
    ...                              pixel_method="threshold")     # 8 patches of one row each
    >>> sum(p.numel() for p in rows.parameters())                  # 8 * 6 * 4 angles + 8 black levels
    200
    >>> x = rows(rows.sample_noise(2))
    >>> tuple(x.shape), bool((x == 0).any())
    ((2, 64), True)
    >>> blocks = PatchQuantumGenerator(n_ancillas=2, n_generators=8, depth=12, reupload=True,
    ...                                upload_every=6, noise_per_upload=True)  # the training default
    >>> blocks.upload_layers, blocks.latent_dim, sum(p.numel() for p in blocks.parameters())
    ((0, 6), 10, 480)
    """

    def __init__(
        self,
        n_qubits: int = 5,
        n_ancillas: int = 1,
        depth: int = 6,
        n_generators: int = 4,
        n_pixels: int = 64,
        init_scale: float = 0.5,
        device: str = "default.qubit",
        diff_method: str | None = None,
        method: str | None = None,
        pixel_method: str = "max",
        reupload: bool = False,
        threshold_init: float = 0.1,
        upload_every: int = 1,
        input_scaling: bool = False,
        input_scale_init: float | None = None,
        noise_per_upload: bool = False,
    ) -> None:
        super().__init__()
        self.n_qubits = validation.positive_int("n_qubits", n_qubits)
        self.n_ancillas = validation.non_negative_int("n_ancillas", n_ancillas)
        self.depth = validation.positive_int("depth", depth)
        self.n_generators = validation.positive_int("n_generators", n_generators)
        self.n_pixels = validation.positive_int("n_pixels", n_pixels)
        self.patch_size = _patch_size(self.n_qubits, self.n_ancillas, self.n_generators, self.n_pixels)
        self.reupload = _bool_arg("reupload", reupload)
        self.upload_every = validation.positive_int("upload_every", upload_every)
        self.input_scaling = _bool_arg("input_scaling", input_scaling)
        self.noise_per_upload = _bool_arg("noise_per_upload", noise_per_upload)
        if input_scale_init is not None:
            if not self.input_scaling:
                raise ValueError(
                    f"input_scale_init: only used with input_scaling=True; expected None, got {input_scale_init!r}"
                )
            input_scale_init = validation.number("input_scale_init", input_scale_init, 0)
        self.init_scale = validation.number("init_scale", init_scale, 0)
        if not isinstance(device, str):
            raise validation.ArgumentTypeError(f"device: expected a PennyLane device name such as 'default.qubit', got {device!r}")
        self.device_name = device
        if diff_method is None:
            diff_method = "backprop" if device == "default.qubit" else "parameter-shift"
        if not isinstance(diff_method, str):
            raise validation.ArgumentTypeError(f"diff_method: expected a string such as 'backprop', got {diff_method!r}")
        self.diff_method = diff_method
        if method is None:
            if diff_method not in _BROADCAST_GRAD_METHODS:
                method = "loop"  # broadcast tapes cannot be differentiated by parameter-shift (PennyLane #4462)
            else:
                method = "lean" if device == "default.qubit" else "broadcast"
        self.method = self._check_method(method)
        self.pixel_method = _check_pixel_method(pixel_method)
        self.weights = nn.Parameter(
            self.init_scale * torch.randn(self.n_generators, *patch_weight_shape(self.depth, self.n_qubits))
        )
        self.input_scale_init = (
            None if not self.input_scaling else (1.0 / self.n_uploads if input_scale_init is None else input_scale_init)
        )
        self.input_scale: nn.Parameter | None = None
        if self.input_scaling:  # filled, not drawn: the angles for a given seed are those of earlier versions
            self.input_scale = nn.Parameter(
                torch.full((self.n_generators, self.n_uploads, self.n_qubits), float(self.input_scale_init))
            )
        # the map draws no random numbers: the initial angles for a given seed are those of earlier versions
        self.pixel_map = PatchPixelMap(self.n_generators, self.pixel_method, threshold_init)
        self._qnode_cache: dict[str, Any] = {}
        self._replay: TapeReplay | None = None

    # -- pickling / deepcopy: QNodes and the replay are rebuilt on demand -----------------------
    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__().copy()
        state["_qnode_cache"] = {}
        state["_replay"] = None
        return state

    @staticmethod
    def _check_method(method: Any) -> str:
        if method not in METHODS:
            raise ValueError(f"method: expected one of {METHODS}, got {method!r}")
        return method

    # -- the circuit ----------------------------------------------------------------------------
    @property
    def latent_dim(self) -> int:
        """Length of a noise vector: one angle per qubit (per encoding with ``noise_per_upload``)."""
        return self.n_qubits * self.n_uploads if getattr(self, "noise_per_upload", False) else self.n_qubits

    @property
    def wires(self) -> list[int]:
        """The wires of every sub-generator; the first ``n_ancillas`` are the ancillas."""
        return list(range(self.n_qubits))

    @property
    def upload_layers(self) -> tuple[int, ...]:
        """The layers the noise encoding is queued before: ``(0,)``, or ``0, k, 2k, ...`` with ``reupload``."""
        if not self.reupload:
            return (0,)
        return tuple(range(0, self.depth, self.upload_every))

    @property
    def n_uploads(self) -> int:
        """``U``, the number of noise encodings per circuit."""
        return len(self.upload_layers)

    @property
    def encoding_shape(self) -> tuple[int, ...]:
        """Shape of one circuit's encoding angles: ``(n_qubits,)`` (the noise itself, re-used by every
        encoding), or ``(n_uploads, n_qubits)`` with ``input_scaling`` or ``noise_per_upload`` (each
        encoding its own angles)."""
        return (self.n_uploads, self.n_qubits) if self._per_upload else (self.n_qubits,)

    @property
    def _per_upload(self) -> bool:
        return bool(getattr(self, "input_scaling", False) or getattr(self, "noise_per_upload", False))

    def queue_circuit(self, noise: Any, weights: Any) -> None:
        """Queue one sub-generator's gates: ``RY(noise_i)`` on wire ``i``, then the patch layers.

        With ``reupload=True`` the encoding is queued before every layer of :attr:`upload_layers`
        instead of once.

        Parameters
        ----------
        noise : array, shape ``encoding_shape`` or ``(N, *encoding_shape)``
            The encoding angles: the noise ``(n_qubits,)``, or with ``input_scaling`` the scaled
            angles of every encoding ``(n_uploads, n_qubits)`` (with ``input_scaling`` or
            ``noise_per_upload``; see :meth:`circuit_angles`).
        weights : array, shape (depth, n_qubits) or (N, depth, n_qubits)
        """
        if not self.reupload and not self._per_upload:
            angle_encoding(noise, self.wires, rotation="Y")
            patch_ansatz(weights, self.wires)
            return
        uploads = self.upload_layers
        for layer in range(self.depth):
            if layer in uploads:
                enc = noise[..., uploads.index(layer), :] if self._per_upload else noise
                angle_encoding(enc, self.wires, rotation="Y")
            patch_layer(weights[..., layer, :], self.wires)

    def qnode(self) -> qml.QNode:
        """The sub-generator circuit as a torch QNode ``(noise, weights) -> probs`` on ``self.device_name``."""
        key = f"{self.device_name}/{self.diff_method}"
        if key not in self._qnode_cache:
            dev = qml.device(self.device_name, wires=self.n_qubits)

            def circuit(noise, weights):
                self.queue_circuit(noise, weights)
                return qml.probs(wires=self.wires)

            self._qnode_cache[key] = qml.QNode(circuit, dev, interface="torch", diff_method=self.diff_method)
        return self._qnode_cache[key]

    def replay(self) -> TapeReplay:
        """The recorded tape used by ``method="lean"`` (built on first use)."""
        if self._replay is None:
            self._replay = TapeReplay(
                self.queue_circuit, [self.encoding_shape, (self.depth, self.n_qubits)], self.n_qubits
            )
        return self._replay

    def draw(self) -> str:
        """A text drawing of one sub-generator's circuit (noise and weights shown as numbers)."""
        noise = torch.full(self.encoding_shape, 0.5)
        return qml.draw(self.qnode(), decimals=2)(noise, self.weights[0].detach())

    def sample_noise(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``n`` noise vectors, each angle uniform in :data:`NOISE_RANGE`; shape (n, latent_dim)."""
        return _sample_angles(n, self.latent_dim, generator)

    # -- angles of all circuits of a batch -------------------------------------------------------
    def circuit_angles(self, noise: torch.Tensor, labels: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Encoding angles and layer weights of all ``G * B`` circuits (float64).

        Returns
        -------
        enc : torch.Tensor, shape (G, B, *encoding_shape)
            The noise, ``(G, B, n_qubits)``; with ``input_scaling`` or ``noise_per_upload`` the angles
            of every encoding, ``(G, B, n_uploads, n_qubits)``: ``enc[g, b, u, i] = s[g, u, i] * z[b, u, i]``
            with ``s`` = :attr:`input_scale` (or 1) and ``z[b, u]`` = the noise (re-used by every
            encoding) or its ``u``-th block of ``n_qubits`` angles (``noise_per_upload``).
        weights : torch.Tensor, shape (G, B, depth, n_qubits)
        """
        per = ("one angle per qubit and encoding, n_uploads * n_qubits" if self.noise_per_upload
               else "one angle per qubit, n_qubits")
        noise = _check_noise(noise, self.latent_dim, meaning=per)
        if labels is not None:
            raise ValueError("labels: this generator is unconditional; expected labels=None")
        g, b, u, n = self.n_generators, noise.shape[0], self.n_uploads, self.n_qubits
        z = noise.to(torch.float64)
        if self._per_upload:
            z = z.reshape(b, u, n) if self.noise_per_upload else z[:, None, :].expand(b, u, n)
            enc = z.unsqueeze(0).expand(g, b, u, n)
            if self.input_scale is not None:
                enc = self.input_scale.to(torch.float64).unsqueeze(1) * enc
        else:
            enc = z.unsqueeze(0).expand(g, b, self.n_qubits)
        w = self.weights.to(torch.float64).unsqueeze(1).expand(g, b, self.depth, self.n_qubits)
        return enc, w

    def circuit_probs(self, noise: torch.Tensor, labels: torch.Tensor | None = None, method: str | None = None) -> torch.Tensor:
        """Probabilities of all ``2**n_qubits`` outcomes of every circuit; shape (G, B, 2**n_qubits), float64."""
        method = self.method if method is None else self._check_method(method)
        enc, w = self.circuit_angles(noise, labels)
        g, b = enc.shape[:2]
        n, d = self.n_qubits, self.depth
        if method == "lean":
            angles = torch.cat([enc.reshape(g * b, -1), w.reshape(g * b, d * n)], dim=1)
            return self.replay().probs(angles).reshape(g, b, 2**n)
        if (
            method in ("broadcast", "per_generator")
            and self.diff_method not in _BROADCAST_GRAD_METHODS
            and torch.is_grad_enabled()
            and (enc.requires_grad or w.requires_grad)
        ):
            raise ValueError(
                f"method: {method!r} evaluates broadcast tapes, which diff_method={self.diff_method!r} cannot "
                "differentiate (PennyLane #4462); use method='loop', diff_method='backprop', or run under torch.no_grad()"
            )
        circuit = self.qnode()
        if method == "broadcast":
            return circuit(enc.reshape(g * b, *enc.shape[2:]), w.reshape(g * b, d, n)).reshape(g, b, 2**n)
        if method == "per_generator":
            return torch.stack([circuit(enc[i], w[i]) for i in range(g)])
        return torch.stack([torch.stack([circuit(enc[i, j], w[i, j]) for j in range(b)]) for i in range(g)])

    def patches(self, probs: torch.Tensor) -> torch.Tensor:
        """Post-select the ancillas on 0 and apply the output map: (G, ..., 2**n) -> (G, ..., patch_size).

        The first axis must be the sub-generator for the learned maps (each patch has its own
        numbers); ``"max"`` and ``"minmax"`` accept any leading shape.
        """
        return self.pixel_map(postselect(probs, self.n_ancillas))

    def forward(self, noise: torch.Tensor, labels: torch.Tensor | None = None, method: str | None = None) -> torch.Tensor:
        """Images for a batch of noise vectors.

        Parameters
        ----------
        noise : torch.Tensor, shape (B, latent_dim)
            Angles, typically from :meth:`sample_noise`.
        method : {"lean", "broadcast", "per_generator", "loop"}, optional
            Overrides ``self.method`` for this call.

        Returns
        -------
        torch.Tensor, shape (B, n_pixels)
            Pixels in ``[0, 1]``, dtype of :attr:`weights`.
        """
        probs = self.circuit_probs(noise, labels, method)  # (G, B, 2**n)
        return _stitch(self.patches(probs), self.n_pixels).to(self.weights.dtype)

    def forward_loop(self, noise: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """The reference: one QNode call per sample and sub-generator (``G * B`` calls)."""
        return self.forward(noise, labels, method="loop")

    def extra_repr(self) -> str:
        return (
            f"n_qubits={self.n_qubits}, n_ancillas={self.n_ancillas}, depth={self.depth}, "
            f"n_generators={self.n_generators}, n_pixels={self.n_pixels}, method={self.method!r}, "
            f"pixel_method={self.pixel_method!r}, reupload={self.reupload}, upload_every={self.upload_every}, "
            f"input_scaling={self.input_scaling}, noise_per_upload={self.noise_per_upload}"
        )
