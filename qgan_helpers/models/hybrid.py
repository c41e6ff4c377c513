"""The seed article's 28x28 hybrid generator: a small circuit, a Pauli read-out, a classical decoder.

:class:`HybridQuantumGenerator` reproduces the generator of the course's seed article, with its
defects as options (an unused latent, unbounded pixels); :mod:`qgan_helpers.hybrid` measures them.

Its circuit runs on the shared state-vector engine (:mod:`qgan_helpers.quantum.engine`) by default
(``method="torch"``): the latent batch is one ``(B, 2**n)`` complex state, every fused rotation
``RZ RY RX`` one batched matmul, every CNOT chain one index gather. Why: a broadcast
``default.qubit`` QNode (``method="qnode"``, the reference) spends most of its time in PennyLane's
per-call and per-gate Python; the tests check that both give the same numbers and gradients.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pennylane as qml
import torch
from torch import nn

from qgan_helpers import validation
from qgan_helpers.models.common import _check_noise
from qgan_helpers.quantum import engine
from qgan_helpers.quantum.circuits import angle_encoding

__all__ = [
    "HYBRID_ENCODINGS",
    "HYBRID_ACTIVATIONS",
    "HYBRID_METHODS",
    "HYBRID_DECODER_KINDS",
    "HYBRID_READOUTS",
    "ConvDecoder",
    "HybridQuantumGenerator",
]

HYBRID_ENCODINGS: tuple[str, ...] = ("none", "angle", "amplitude", "direct", "classical", "reupload")
"""How :class:`HybridQuantumGenerator` feeds its latent ``z``: ``"none"`` = the seed's bug (``z`` is
drawn but never enters the circuit), ``"angle"`` = ``RY(z_i)`` on wire ``i``, ``"reupload"`` = a fresh
block of ``n_qubits`` angles ``RY(z_{l,i})`` before every layer ``l`` (noise re-uploading: ``layers *
n_qubits`` latent numbers), ``"amplitude"`` = the
``2**n_qubits`` numbers of ``z`` become the state's amplitudes (the seed's promised 16-dimensional
latent on 4 qubits), ``"direct"`` = an ablation without circuit (the decoder reads ``z`` itself),
``"classical"`` = the circuit replaced by a classical layer (``u_i = z_i - pi/2``,
``tanh(a_i u_i + c_i u_{i+1} + b_i)``: 3 parameters for each number the decoder reads, ``z`` uniform
on ``[0, pi)`` as for ``"angle"``; fewer parameters than the circuit with the ``<Z_i>`` read-out and
2 or more layers, more with ``readout="xyz"``)."""

HYBRID_DECODER_KINDS: tuple[str, ...] = ("mlp", "conv")
"""Decoders of :class:`HybridQuantumGenerator`: ``"mlp"`` (the seed's fully-connected one) or
``"conv"`` (:class:`ConvDecoder`, upsampling convolutions as in DCGAN)."""

HYBRID_READOUTS: tuple[str, ...] = ("z", "xyz", "probs")
"""What :class:`HybridQuantumGenerator` hands its decoder: ``"z"`` = ``<Z_i>`` of every wire (the seed's
read-out, ``n_qubits`` numbers), ``"xyz"`` = every wire's whole Bloch vector ``<X_i>, <Y_i>, <Z_i>``
(``3 * n_qubits`` numbers, three measurement settings) or ``"probs"`` = the probability of every
bitstring, times ``2**n_qubits`` so that they average 1 (``2**n_qubits`` numbers, one measurement
setting; at most 8 qubits)."""

HYBRID_ACTIVATIONS: tuple[str, ...] = ("none", "sigmoid")
"""Output activations of the hybrid decoder: ``"none"`` (the seed's: unbounded pixels) or ``"sigmoid"``."""

HYBRID_METHODS: tuple[str, ...] = ("torch", "qnode")
"""How the hybrid circuit is evaluated: ``"torch"`` = the batched state vector of
:mod:`qgan_helpers.quantum.engine` (the fast default), ``"qnode"`` = one broadcast ``default.qubit``
QNode call."""


class ConvDecoder(nn.Module):
    """A convolutional decoder: a few numbers -> a square image, by upsampling convolutions.

    ``Linear(n_inputs, c1 * s * s) -> ReLU -> (c1, s, s)``, then for every further width ``c``:
    ``Upsample(x2, nearest) -> Conv2d(c_prev, c, 3, padding=1) -> ReLU``, and a last
    ``Upsample(x2) -> Conv2d(c_last, 1, 3, padding=1)``; ``s = side / 2**len(channels)``. With
    ``channels=(c1, c2)`` a 28x28 image is drawn from a 7x7 map: 7 -> 14 -> 28. The output is a
    flat vector of logits (no activation), so it can replace the fully-connected decoder.

    Parameters
    ----------
    n_inputs : int
        Numbers per input row (the circuit's read-out).
    channels : sequence of int
        Channels of the feature maps, at least one (the first at the smallest size).
    n_pixels : int
        Output pixels, a square whose side is divisible by ``2**len(channels)``.

    Examples
    --------
    >>> dec = ConvDecoder(4, (32, 16), 784)
    >>> tuple(dec(torch.zeros(2, 4)).shape)
    (2, 784)
    """

    def __init__(self, n_inputs: int, channels: Sequence[int], n_pixels: int) -> None:
        super().__init__()
        self.n_inputs = validation.positive_int("n_inputs", n_inputs)
        if isinstance(channels, (int, np.integer, str)) or not isinstance(channels, Sequence) or not channels:
            raise validation.ArgumentTypeError(
                f"decoder: expected a non-empty sequence of channel counts such as (64, 32), got {channels!r}"
            )
        self.channels = tuple(validation.positive_int("decoder", c) for c in channels)
        self.n_pixels = validation.positive_int("n_pixels", n_pixels)
        side = math.isqrt(self.n_pixels)
        factor = 2 ** len(self.channels)
        if side * side != self.n_pixels or side % factor:
            raise ValueError(
                f"n_pixels: a convolutional decoder with {len(self.channels)} widths needs a square image whose "
                f"side is divisible by {factor}, got {self.n_pixels} pixels"
            )
        self.side, self.start = side, side // factor
        c1 = self.channels[0]
        self.project = nn.Sequential(nn.Linear(self.n_inputs, c1 * self.start * self.start), nn.ReLU())
        blocks: list[nn.Module] = []
        for c_in, c_out in zip(self.channels, self.channels[1:]):
            blocks += [nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(c_in, c_out, 3, padding=1), nn.ReLU()]
        blocks += [nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(self.channels[-1], 1, 3, padding=1)]
        self.convs = nn.Sequential(*blocks)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, n_inputs) -> (B, n_pixels) logits."""
        h = self.project(x).reshape(-1, self.channels[0], self.start, self.start)
        return self.convs(h).reshape(-1, self.n_pixels)


class HybridQuantumGenerator(nn.Module):
    """The seed article's hybrid generator for 28x28 images, with its defects as options.

    ``z -> [encoding] -> layers x (RX·RY·RZ on every wire + CNOT chain) -> <Z_i> for every wire ->
    decoder (Linear + ReLU ..., Linear) -> [activation] -> pixels``.

    The circuit is :func:`~qgan_helpers.quantum.circuits.seed_ansatz` on ``n_qubits`` wires; its
    ``n_qubits`` Pauli-Z expectation values (each in ``[-1, 1]``) are the decoder's input. It runs on
    the shared state-vector engine (:mod:`qgan_helpers.quantum.engine`; ``method="torch"``): one
    batched torch state for the whole latent batch instead of a QNode call, whose time at this size
    is mostly PennyLane's per-call and per-gate Python. With ``blocks=K`` there are ``K`` such
    circuits side by side, each with its own angles and its own slice of ``z``, and the decoder reads
    all ``K`` read-outs: ``K`` times the numbers for the same state-vector size.

    * ``encoding="none"`` reproduces the seed: ``z`` is accepted and ignored, so every sample is
      the same image (the circuit has no input and the decoder is deterministic).
    * ``encoding="angle"``: ``RY(z_i)`` on wire ``i`` before the layers (latent dimension
      ``n_qubits``, noise uniform on ``[0, pi)``).
    * ``encoding="amplitude"``: ``z`` of length ``2**n_qubits`` normalised to a state
      (:func:`~qgan_helpers.quantum.circuits.amplitude_encoding`; noise standard normal, so the state is
      uniform on the sphere of real amplitudes).
    * ``encoding="direct"``: no circuit at all; the decoder reads the ``n_qubits`` numbers of ``z``
      (standard normal; ``3 * n_qubits`` of them for ``readout="xyz"``) -- the ablation "the same
      decoder fed with classical noise".
    * ``encoding="reupload"``: ``RY(z_{l,i})`` on wire ``i`` before layer ``l`` -- a fresh block of
      angles before every layer (latent dimension ``layers * n_qubits``, uniform on ``[0, pi)``), so
      the state, and the read-out, can move in more directions than ``n_qubits``.
    * ``encoding="classical"``: no circuit; a classical layer takes its place -- the classical twin
      of the fixed model, with the same decoder. With ``u = z - pi/2`` (``z`` uniform on ``[0, pi)``
      as for ``"angle"``), output ``i`` is ``tanh(a_i u_i + c_i u_{i+1} + b_i)``: each number mixed
      with its neighbour, as the CNOT chain couples neighbouring wires; ``3 * n_qubits``
      parameters (``a`` starts at 1, ``c`` and ``b`` at 0; the last ``c`` has no neighbour and stays
      unused), at most the circuit's ``3 * layers * n_qubits``. With ``readout="xyz"`` it draws and
      makes ``3 * n_qubits`` numbers (``9 * n_qubits`` parameters), with ``blocks=K`` ``K`` times as
      many.

    Parameters
    ----------
    n_qubits : int
        Wires of the circuit (>= 1; the seed: 4).
    layers : int
        Seed layers (>= 1; the seed: 2).
    encoding : {"none", "angle", "amplitude", "direct", "classical", "reupload"}
    decoder : sequence of int
        For ``decoder_kind="mlp"``: hidden widths of the decoder (ReLU after each); may be empty (a
        linear decoder). For ``"conv"``: the channels of :class:`ConvDecoder` (at least one).
    activation : {"none", "sigmoid"}
        Output activation (the seed: none, so pixels are unbounded).
    n_pixels : int
        Output pixels (784 for 28x28).
    init_scale : float
        Initial angles are ``init_scale * randn(layers, n_qubits, 3)``.
    method : {"torch", "qnode"}
        Circuit evaluation (see :data:`HYBRID_METHODS`); both give the same numbers.
    decoder_kind : {"mlp", "conv"}
        The seed's fully-connected decoder (default) or :class:`ConvDecoder`.
    readout : {"z", "xyz", "probs"}
        ``<Z_i>`` of every wire (the seed's; ``n_qubits`` numbers for the decoder), every wire's
        Bloch vector (``3 * n_qubits`` numbers: ``<X_0..>``, then ``<Y_0..>``, then ``<Z_0..>``) or
        the ``2**n_qubits`` bitstring probabilities times ``2**n_qubits`` (``n_qubits <= 8``). With
        ``"direct"`` the decoder reads that many noise numbers; with ``"classical"`` the classical
        layer makes that many.
    blocks : int
        Independent copies of the circuit, side by side (>= 1; the seed: 1). Each block has its own
        angles and reads its own slice of ``z``; the decoder reads all their read-outs, block 0's
        first. ``latent_dim`` and ``n_features`` grow ``blocks``-fold, the state vector does not
        (``blocks`` circuits of ``n_qubits`` wires, not one of ``blocks * n_qubits``). At most 16.

    Attributes
    ----------
    weights : torch.nn.Parameter, shape (layers, n_qubits, 3), or (blocks, layers, n_qubits, 3)
        The circuit's angles (``3 * layers * n_qubits`` parameters per block; absent for ``"direct"``
        and ``"classical"``). One block keeps the seed's shape.
    decoder : torch.nn.Module
        ``(B, n_features) -> (B, n_pixels)`` logits (before the activation).
    mixer : torch.nn.Parameter or None, shape (3, n_features)
        The classical layer of ``encoding="classical"``: rows ``a``, ``c`` (the last entry unused,
        fixed at 0) and ``b``.

    Examples
    --------
    >>> gen = HybridQuantumGenerator(encoding="angle", decoder=(16,))
    >>> x = gen(gen.sample_noise(3))
    >>> tuple(x.shape), bool(x.min() >= 0), bool(x.max() <= 1)
    ((3, 784), True, True)
    >>> HybridQuantumGenerator(encoding="amplitude").latent_dim
    16
    """

    def __init__(
        self,
        n_qubits: int = 4,
        layers: int = 2,
        encoding: str = "angle",
        decoder: Sequence[int] = (128,),
        activation: str = "sigmoid",
        n_pixels: int = 784,
        init_scale: float = 0.1,
        method: str = "torch",
        decoder_kind: str = "mlp",
        readout: str = "z",
        blocks: int = 1,
    ) -> None:
        super().__init__()
        self.n_qubits = validation.positive_int("n_qubits", n_qubits)
        if self.n_qubits > 12:
            raise ValueError(f"n_qubits: expected at most 12 (a state vector of 4096 amplitudes), got {self.n_qubits}")
        self.layers = validation.positive_int("layers", layers)
        if encoding not in HYBRID_ENCODINGS:
            raise ValueError(f"encoding: expected one of {HYBRID_ENCODINGS}, got {encoding!r}")
        self.encoding = encoding
        if isinstance(decoder, (int, np.integer)) or not isinstance(decoder, Sequence) or isinstance(decoder, str):
            raise validation.ArgumentTypeError(f"decoder: expected a sequence of hidden widths such as (128,), got {decoder!r}")
        self.decoder_widths = tuple(validation.positive_int("decoder", h) for h in decoder)
        if activation not in HYBRID_ACTIVATIONS:
            raise ValueError(f"activation: expected one of {HYBRID_ACTIVATIONS}, got {activation!r}")
        self.activation = activation
        self.n_pixels = validation.positive_int("n_pixels", n_pixels)
        self.init_scale = validation.number("init_scale", init_scale, 0)
        if method not in HYBRID_METHODS:
            raise ValueError(f"method: expected one of {HYBRID_METHODS}, got {method!r}")
        self.method = method
        if decoder_kind not in HYBRID_DECODER_KINDS:
            raise ValueError(f"decoder_kind: expected one of {HYBRID_DECODER_KINDS}, got {decoder_kind!r}")
        self.decoder_kind = decoder_kind
        if readout not in HYBRID_READOUTS:
            raise ValueError(f"readout: expected one of {HYBRID_READOUTS}, got {readout!r}")
        if readout == "probs" and self.n_qubits > 8:
            raise ValueError(
                f"n_qubits: readout='probs' hands the decoder 2**n_qubits numbers; expected at most 8 qubits, "
                f"got {self.n_qubits}"
            )
        self.readout = readout
        self.blocks = validation.positive_int("blocks", blocks)
        if self.blocks > 16:
            raise ValueError(f"blocks: expected at most 16 copies of the circuit, got {self.blocks}")
        self.mixer: nn.Parameter | None = None
        if encoding == "classical":
            # output i mixes noise number i with its neighbour i + 1 (none after the last)
            self.weights = None
            k = self.n_features
            self.mixer = nn.Parameter(torch.stack([torch.ones(k), torch.zeros(k), torch.zeros(k)]))
            self.register_buffer("_neighbour", (torch.arange(k) < k - 1).float(), persistent=False)
        elif encoding == "direct":
            self.weights = None
        else:
            from qgan_helpers.quantum.circuits import seed_weight_shape

            shape = seed_weight_shape(self.layers, self.n_qubits)
            if self.blocks > 1:
                shape = (self.blocks, *shape)
            self.weights = nn.Parameter(self.init_scale * torch.randn(shape))
        if decoder_kind == "conv":
            if not self.decoder_widths:
                raise ValueError("decoder: a convolutional decoder needs at least one channel count, got ()")
            self.decoder: nn.Module = ConvDecoder(self.n_features, self.decoder_widths, self.n_pixels)
        else:
            layers_: list[nn.Module] = []
            width = self.n_features
            for h in self.decoder_widths:
                layers_ += [nn.Linear(width, h), nn.ReLU()]
                width = h
            layers_.append(nn.Linear(width, self.n_pixels))
            self.decoder = nn.Sequential(*layers_)
        chain = [(a, a + 1) for a in range(self.n_qubits - 1)]
        self.register_buffer("_perm", engine.cnot_permutation(chain, self.n_qubits), persistent=False)
        self._qnode: Any = None

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__().copy()
        state["_qnode"] = None
        return state

    # -- sizes and noise --------------------------------------------------------------------------
    @property
    def latent_dim(self) -> int:
        """Length of a noise vector: per block, ``2**n_qubits`` for amplitude encoding, ``layers *
        n_qubits`` for re-uploading, else ``n_qubits``, times :attr:`blocks`; the decoder's input size
        (:attr:`n_features`) for ``"direct"`` and ``"classical"``."""
        if self.encoding in ("direct", "classical"):
            return self.n_features
        return self.blocks * self._block_latent

    @property
    def _block_latent(self) -> int:
        if self.encoding == "amplitude":
            return 2**self.n_qubits
        if self.encoding == "reupload":
            return self.layers * self.n_qubits
        return self.n_qubits

    @property
    def n_features(self) -> int:
        """Numbers the decoder reads: per block ``n_qubits`` (read-out ``"z"``), ``3 * n_qubits``
        (``"xyz"``) or ``2**n_qubits`` (``"probs"``), times :attr:`blocks`."""
        return self.blocks * self._block_features

    @property
    def _block_features(self) -> int:
        if self.readout == "probs":
            return 2**self.n_qubits
        return 3 * self.n_qubits if self.readout == "xyz" else self.n_qubits

    @property
    def n_circuit_params(self) -> int:
        """Trainable angles of the circuit (0 for ``"direct"`` and ``"classical"``)."""
        return 0 if self.weights is None else int(self.weights.numel())

    @property
    def n_params(self) -> int:
        """All trainable parameters (circuit or classical layer + decoder)."""
        return int(sum(p.numel() for p in self.parameters() if p.requires_grad))

    def sample_noise(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``n`` latent vectors, shape (n, latent_dim): uniform on ``[0, pi)`` for angle encoding (and its
        classical twin), else standard normal."""
        n = validation.positive_int("n", n)
        if self.encoding in ("angle", "classical", "reupload"):
            return math.pi * torch.rand(n, self.latent_dim, generator=generator)
        return torch.randn(n, self.latent_dim, generator=generator)

    # -- the circuit ------------------------------------------------------------------------------
    def queue_circuit(self, z: Any, weights: Any) -> None:
        """Queue the circuit's gates (PennyLane): the encoding of ``z`` (if any), then the seed layers."""
        from qgan_helpers.quantum.circuits import amplitude_encoding, seed_ansatz, seed_layer

        n = self.n_qubits
        if self.encoding == "reupload":  # a fresh block of angles before every layer
            for layer in range(self.layers):
                angle_encoding(z[..., layer * n : (layer + 1) * n], n, rotation="Y")
                seed_layer(weights[..., layer, :, :], n)
            return
        if self.encoding == "angle":
            angle_encoding(z, n, rotation="Y")
        elif self.encoding == "amplitude":
            amplitude_encoding(z, n)
        seed_ansatz(weights, n)

    def qnode(self) -> qml.QNode:
        """The circuit as a broadcast ``default.qubit`` QNode ``(z, weights) -> [<Z_0>, ..., <Z_{n-1}>]``
        (for ``readout="xyz"``: all ``<X_i>``, then all ``<Y_i>``, then all ``<Z_i>``; for ``"probs"``:
        ``[qml.probs]``, not yet scaled by ``2**n_qubits``)."""
        if self.weights is None:
            raise ValueError(f"encoding: {self.encoding!r} has no circuit")
        if self._qnode is None:
            dev = qml.device("default.qubit", wires=self.n_qubits)

            def circuit(z, weights):
                self.queue_circuit(z, weights)
                if self.readout == "probs":
                    return [qml.probs(wires=range(self.n_qubits))]
                paulis = (qml.PauliX, qml.PauliY, qml.PauliZ) if self.readout == "xyz" else (qml.PauliZ,)
                return [qml.expval(pauli(i)) for pauli in paulis for i in range(self.n_qubits)]

            self._qnode = qml.QNode(circuit, dev, interface="torch", diff_method="backprop")
        return self._qnode

    def _block_weights(self) -> torch.Tensor:
        """The angles as (blocks, layers, n_qubits, 3), float64."""
        w = self.weights.to(torch.float64)
        return w.unsqueeze(0) if self.blocks == 1 else w

    def draw(self) -> str:
        """A text drawing of the circuit (block 0's, for one example latent vector)."""
        z = torch.full((self._block_latent,), 0.5, dtype=torch.float64)
        return qml.draw(self.qnode(), decimals=2)(z, self._block_weights()[0].detach())

    def _initial_state(self, z: torch.Tensor) -> torch.Tensor:
        """The encoded latent batch as a complex state (B, 2**n_qubits)."""
        if self.encoding == "amplitude":
            from qgan_helpers.quantum.circuits import normalise_latent

            return normalise_latent(z, self.n_qubits).to(torch.complex128)
        if self.encoding == "angle":  # RY(z_i) on |0>: the product state of cos(z_i/2)|0> + sin(z_i/2)|1>
            return engine.ry_product_state(z).to(torch.complex128)
        return engine.zero_state(z.shape[0], self.n_qubits, torch.complex128)

    def expvals(self, z: torch.Tensor, method: str | None = None) -> torch.Tensor:
        """The circuit's read-out (``<Z_i>``, or every wire's Bloch vector) for a batch of latent vectors.

        Parameters
        ----------
        z : torch.Tensor, shape (B, latent_dim)
            Ignored (but checked) for ``encoding="none"``: the seed's bug.
        method : {"torch", "qnode"}, optional
            Overrides ``self.method``.

        Returns
        -------
        torch.Tensor, shape (B, n_features), float64
            Values in ``[-1, 1]`` (``n_features`` is ``blocks * n_qubits``, or ``3 * blocks *
            n_qubits`` for ``readout="xyz"``), or each block's ``2**n_qubits`` probabilities times
            ``2**n_qubits`` (values in ``[0, 2**n_qubits]``, mean 1) for ``readout="probs"``; for
            ``"direct"`` the noise itself (there is no circuit), for ``"classical"`` the classical
            layer's ``tanh(a_i u_i + c_i u_{i+1} + b_i)``.
        """
        z = _check_noise(z, self.latent_dim, meaning="latent_dim")
        method = self.method if method is None else method
        if method not in HYBRID_METHODS:
            raise ValueError(f"method: expected one of {HYBRID_METHODS}, got {method!r}")
        if self.encoding == "direct":
            return z.to(torch.float64)
        if self.mixer is not None:
            u = z.to(self.mixer.dtype) - math.pi / 2
            nxt = torch.roll(u, -1, dims=1) * self._neighbour  # u_{i+1}, 0 after the last
            a, c, b = self.mixer
            return torch.tanh(a * u + c * nxt + b).to(torch.float64)
        b, n, k, nb = z.shape[0], self.n_qubits, self._block_features, self.blocks
        # every block's slice of z as a row of its own: (B * blocks, block latent), block fastest
        z64 = z.to(torch.float64).reshape(b * nb, self._block_latent)
        w = self._block_weights()  # (blocks, layers, n, 3)
        scale = 2.0**n if self.readout == "probs" else 1.0  # probabilities average 1
        if method == "qnode":
            outs = []
            for block in range(nb):
                if self.encoding == "none":
                    out = torch.stack(self.qnode()(z64[0], w[block]), -1).reshape(1, k).expand(b, k)
                else:
                    out = torch.stack(self.qnode()(z64[block::nb], w[block]), -1).reshape(b, k)
                outs.append(scale * out)
            return torch.cat(outs, 1)
        mats = engine.rot_zyx(w)  # (blocks, layers, n, 2, 2): RZ(c) RY(b) RX(a) for every wire, in one go
        if nb > 1:  # rows cycle through the blocks: each row gets its block's gates
            mats = mats.unsqueeze(0).expand(b, *mats.shape).reshape(b * nb, *mats.shape[1:])
        else:  # one block: its gates broadcast over the rows
            mats = mats[0]
        if self.encoding == "reupload":  # each layer's gate after its noise rotation
            noise = engine.ry_matrices(z64.reshape(b * nb, self.layers, n)).to(mats.dtype)
            mats = mats @ noise  # (B * blocks, layers, n, 2, 2)
        state = engine.rotation_layers(self._initial_state(z64), mats, self._perm if n > 1 else None, n)
        if self.readout == "xyz":
            return engine.bloch_vectors(state, n).reshape(b, nb * 3 * n)
        probs = engine.probabilities(state)
        if self.readout == "probs":
            return scale * probs.reshape(b, nb * k)
        from qgan_helpers.quantum.measurement import expval_z_from_probs

        return expval_z_from_probs(probs).reshape(b, nb * k)

    def forward(self, noise: torch.Tensor) -> torch.Tensor:
        """Images for a batch of latent vectors: (B, latent_dim) -> (B, n_pixels).

        With ``activation="sigmoid"`` the pixels lie in ``(0, 1)``; with ``"none"`` (the seed) they
        are unbounded.
        """
        feats = self.expvals(noise).to(next(self.decoder.parameters()).dtype)
        out = self.decoder(feats)
        return torch.sigmoid(out) if self.activation == "sigmoid" else out

    def extra_repr(self) -> str:
        return (
            f"n_qubits={self.n_qubits}, layers={self.layers}, encoding={self.encoding!r}, "
            f"decoder={self.decoder_widths}, decoder_kind={self.decoder_kind!r}, readout={self.readout!r}, "
            f"blocks={self.blocks}, "
            f"activation={self.activation!r}, n_pixels={self.n_pixels}, "
            f"n_params={self.n_params}"
        )
