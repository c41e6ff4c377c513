"""The class-conditional patch generator: the label sets extra rotation angles inside every circuit.

:class:`ConditionalPatchGenerator` is a :class:`~qgan_helpers.models.patch.PatchQuantumGenerator`
whose circuit angles also depend on a class label, so one generator draws every digit; the circuit
and its evaluation (the lean replay by default) are the unconditional one's.
"""

from __future__ import annotations

import torch
from torch import nn

from qgan_helpers import validation
from qgan_helpers.models.common import _check_labels, _check_noise
from qgan_helpers.models.patch import PatchQuantumGenerator

__all__ = ["ConditionalPatchGenerator"]


class ConditionalPatchGenerator(PatchQuantumGenerator):
    """A class-conditional patch generator: the label sets extra rotation angles *inside* the circuit.

    Every sub-generator ``g`` has, besides its shared weights ``W[g]`` of shape ``(depth, n_qubits)``,
    a learned angle table ``E[g, c]`` of shape ``(label_layers, n_qubits)`` per class ``c``. For a
    sample with label ``c`` the circuit is the ordinary patch circuit with

    * encoding angles ``noise + E[g, c, 0]`` (the label shifts where the noise lands), and
    * layer ``l`` angles ``W[g, l] + E[g, c, l + 1]`` for ``l < label_layers - 1``
      (label-dependent rotation layers), the later layers shared by all classes.

    So the label enters as rotation angles -- the circuit, its gate count and the broadcast
    evaluation (one call for all ``G * B`` circuits) are unchanged; only the per-circuit angles
    differ. ``label_layers = 1`` shifts only the encoding; the default ``depth + 1`` gives each class
    its own angle offsets in every layer (most expressive; still a shared base ``W``).

    With ``reupload=True`` the *shifted* encoding ``noise + E[g, c, 0]`` is what is re-applied
    before every layer: the label moves where the noise lands in every encoding, and the layer
    offsets ``E[g, c, l + 1]`` act as before. (Each re-applied encoding merges with the layer's own
    rotation, so layer ``l`` rotates wire ``i`` by ``noise_i + E[g, c, 0, i] + W[g, l, i]``
    ``+ E[g, c, l + 1, i]``.)

    Parameters
    ----------
    n_classes : int
        Number of labels (10 for the digits).
    label_layers : int, optional
        Rows of each class's angle table, in ``[1, depth + 1]``; default ``depth + 1``.
    label_init_scale : float
        The tables start at ``label_init_scale * randn``.
    Other parameters
        As :class:`PatchQuantumGenerator` (including ``reupload``, ``pixel_method`` and
        ``threshold_init``).

    Examples
    --------
    >>> gen = ConditionalPatchGenerator()
    >>> x = gen(gen.sample_noise(4), torch.tensor([0, 3, 3, 9]))
    >>> tuple(x.shape)
    (4, 64)
    >>> gen = ConditionalPatchGenerator(depth=2, reupload=True, pixel_method="threshold_gain")
    >>> tuple(gen(gen.sample_noise(2), torch.tensor([1, 7])).shape), gen.pixel_map.n_params
    ((2, 64), 8)
    """

    def __init__(
        self,
        n_qubits: int = 5,
        n_ancillas: int = 1,
        depth: int = 6,
        n_generators: int = 4,
        n_pixels: int = 64,
        n_classes: int = 10,
        label_layers: int | None = None,
        init_scale: float = 0.5,
        label_init_scale: float = 0.5,
        device: str = "default.qubit",
        diff_method: str | None = None,
        method: str | None = None,
        pixel_method: str = "max",
        reupload: bool = False,
        threshold_init: float = 0.1,
    ) -> None:
        super().__init__(
            n_qubits=n_qubits, n_ancillas=n_ancillas, depth=depth, n_generators=n_generators, n_pixels=n_pixels,
            init_scale=init_scale, device=device, diff_method=diff_method, method=method,
            pixel_method=pixel_method, reupload=reupload, threshold_init=threshold_init,
        )
        self.n_classes = validation.positive_int("n_classes", n_classes)
        label_layers = self.depth + 1 if label_layers is None else label_layers
        self.label_layers = validation.positive_int("label_layers", label_layers)
        if self.label_layers > self.depth + 1:
            raise ValueError(
                f"label_layers: expected at most depth + 1 = {self.depth + 1} (the encoding plus every layer), "
                f"got {self.label_layers}"
            )
        self.label_init_scale = validation.number("label_init_scale", label_init_scale, 0)
        self.label_angles = nn.Parameter(
            self.label_init_scale
            * torch.randn(self.n_generators, self.n_classes, self.label_layers, self.n_qubits)
        )

    def circuit_angles(self, noise: torch.Tensor, labels: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        noise = _check_noise(noise, self.n_qubits)
        if labels is None:
            raise ValueError(f"labels: this generator is conditional; expected labels of shape ({noise.shape[0]},)")
        labels = _check_labels(labels, noise.shape[0], self.n_classes)
        g, b = self.n_generators, noise.shape[0]
        table = self.label_angles.to(torch.float64)[:, labels]  # (G, B, label_layers, n)
        enc = noise.to(torch.float64).unsqueeze(0) + table[:, :, 0]
        w = self.weights.to(torch.float64).unsqueeze(1).expand(g, b, self.depth, self.n_qubits)
        k = self.label_layers - 1
        if k:
            w = torch.cat([w[:, :, :k] + table[:, :, 1:], w[:, :, k:]], dim=2)
        return enc, w

    def forward(self, noise: torch.Tensor, labels: torch.Tensor | None = None, method: str | None = None) -> torch.Tensor:
        """Images of the given classes: noise (B, n_qubits), labels (B,) in ``0..n_classes-1`` -> (B, n_pixels)."""
        return super().forward(noise, labels, method)

    def extra_repr(self) -> str:
        return super().extra_repr() + f", n_classes={self.n_classes}, label_layers={self.label_layers}"
