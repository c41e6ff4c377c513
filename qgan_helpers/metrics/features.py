"""The feature network: a small CNN that turns a digit image into 32 numbers the measures compare.

Pixel distances are a poor yardstick for images: a digit shifted by one pixel is far from itself
in pixels but means the same. The MNIST-GAN literature therefore compares generated and real images
in the feature space of a *digit network* -- the "FID with a digit network". The course ships one
network per data set, trained once on the **training split** only (:mod:`qgan_helpers.metrics.datasets`):

``conv 3x3 (16) -> ReLU -> [conv 3x3 stride 2 -> ReLU] x s -> flatten -> linear (32) -> ReLU``
gives the 32 **features**; one more ``linear (10)`` gives the digit logits. ``s`` stride-2 stages
bring the image down to at most 4x4 (one stage for 8x8, three for 28x28), so the same design serves
both sizes.

The weights lie in the package (``qgan_helpers/metrics/weights/<dataset>.pt``) with a
``.json`` beside them that records the exact command that reproduces them, the split and the
held-out accuracy. Reproduce them with::

    python -m qgan_helpers train features --dataset digits --seed 0 \\
        --out qgan_helpers/metrics/weights/digits.pt

Examples
--------
>>> net = feature_network("digits")
>>> net.accuracy > 0.95
True
>>> from qgan_helpers.metrics.datasets import real_images
>>> x, _ = real_images("digits", "heldout", digit=3)
>>> features(x, "digits").shape
(91, 32)
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from qgan_helpers import validation
from qgan_helpers.metrics.datasets import dataset_spec, real_images

__all__ = [
    "FeatureNet",
    "TRAINING_SETTINGS",
    "train_feature_network",
    "feature_network",
    "features",
    "predict_digits",
    "predict_from_features",
    "weights_path",
    "save_feature_network",
]

TRAINING_SETTINGS: dict[str, Any] = {
    "n_features": 32,
    "channels": (16, 32),
    "epochs": 150,
    "batch_size": 64,
    "lr": 3e-3,
    "weight_decay": 5e-4,
    "max_shift": 1,
}
"""How the shipped feature networks were trained (Adam, cosine decay, random shifts of up to
``max_shift`` pixels as augmentation, one torch thread)."""


class FeatureNet(nn.Module):
    """A small CNN for square grey images: 32 features, then 10 digit logits.

    Parameters
    ----------
    image_size : int
        Side of the square input images (8 for the bundled digits, 28 for MNIST).
    n_features : int
        Width of the feature layer.
    channels : (int, int)
        Channels of the first convolution and of every stride-2 stage.
    n_classes : int

    Attributes
    ----------
    accuracy : float
        Held-out accuracy recorded with the shipped weights (``nan`` for an untrained network).

    Examples
    --------
    >>> net = FeatureNet(8)
    >>> net.features(torch.zeros(2, 64)).shape
    torch.Size([2, 32])
    >>> FeatureNet(28).stages
    3
    """

    def __init__(
        self, image_size: int = 8, n_features: int = 32, channels: Sequence[int] = (16, 32), n_classes: int = 10
    ) -> None:
        super().__init__()
        self.image_size = validation.integer("image_size", image_size, 4)
        self.n_features = validation.positive_int("n_features", n_features)
        if len(channels) != 2:
            raise ValueError(f"channels: expected two channel counts (first conv, stride-2 stages), got {channels!r}")
        c1, c2 = (validation.positive_int("channels", c) for c in channels)
        self.n_classes = validation.integer("n_classes", n_classes, 2)
        layers: list[nn.Module] = [nn.Conv2d(1, c1, 3, padding=1), nn.ReLU()]
        side, width, stages = self.image_size, c1, 0
        while side > 4:
            layers += [nn.Conv2d(width, c2, 3, stride=2, padding=1), nn.ReLU()]
            side, width, stages = (side + 1) // 2, c2, stages + 1
        self.stages = stages
        self.body = nn.Sequential(*layers, nn.Flatten(), nn.Linear(width * side * side, self.n_features), nn.ReLU())
        self.head = nn.Linear(self.n_features, self.n_classes)
        self.accuracy = float("nan")

    def _as_input(self, x: torch.Tensor) -> torch.Tensor:
        return x.reshape(x.shape[0], 1, self.image_size, self.image_size).to(self.head.weight.dtype)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Features of a batch: ``(B, H*W)`` or ``(B, H, W)`` -> ``(B, n_features)``."""
        return self.body(self._as_input(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Digit logits: ``(B, H*W)`` or ``(B, H, W)`` -> ``(B, n_classes)``."""
        return self.head(self.features(x))


def _shift(x: torch.Tensor, max_shift: int, rng: torch.Generator) -> torch.Tensor:
    """Shift every image by up to ``max_shift`` pixels in each direction (zeros fill in)."""
    if max_shift == 0:
        return x
    b, side = x.shape[0], x.shape[-1]
    pad = nn.functional.pad(x, (max_shift,) * 4)
    dy = torch.randint(0, 2 * max_shift + 1, (b,), generator=rng)
    dx = torch.randint(0, 2 * max_shift + 1, (b,), generator=rng)
    rows = (dy[:, None] + torch.arange(side)[None, :])[:, :, None]
    cols = (dx[:, None] + torch.arange(side)[None, :])[:, None, :]
    return pad[torch.arange(b)[:, None, None], rows, cols]


@dataclass
class TrainedFeatures:
    """A freshly trained feature network and how it was made."""

    net: FeatureNet
    accuracy: float
    n_train: int
    n_heldout: int
    settings: dict[str, Any] = field(default_factory=dict)
    cpu_seconds: float = 0.0


def train_feature_network(dataset: str = "digits", seed: int = 0, **overrides: Any) -> TrainedFeatures:
    """Train the feature network of ``dataset`` on its training split; measure it on the held-out split.

    Parameters
    ----------
    dataset : str
        A key of :data:`qgan_helpers.metrics.datasets.DATASETS`.
    seed : int
        Seeds the initial weights, the batch order and the shifts.
    **overrides
        Keys of :data:`TRAINING_SETTINGS`.

    Returns
    -------
    TrainedFeatures
    """
    spec = dataset_spec(dataset)
    seed = validation.seed(seed)
    settings = dict(TRAINING_SETTINGS)
    unknown = sorted(set(overrides) - set(settings))
    if unknown:
        raise ValueError(f"overrides: unknown setting(s) {unknown}; expected keys of {sorted(settings)}")
    settings.update(overrides)
    x_tr, y_tr = real_images(spec.name, "train")
    x_ho, y_ho = real_images(spec.name, "heldout")
    side = spec.image_shape[0]
    xt = torch.tensor(x_tr, dtype=torch.float32).reshape(-1, side, side)
    yt = torch.tensor(y_tr)
    torch.manual_seed(seed)
    rng = torch.Generator().manual_seed(seed)
    net = FeatureNet(side, settings["n_features"], settings["channels"])
    epochs, batch = int(settings["epochs"]), int(settings["batch_size"])
    opt = torch.optim.Adam(net.parameters(), lr=float(settings["lr"]), weight_decay=float(settings["weight_decay"]))
    steps = epochs * math.ceil(len(xt) / batch)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    cpu0 = time.process_time()
    net.train()
    for _ in range(epochs):
        order = torch.randperm(len(xt), generator=rng)
        for start in range(0, len(xt), batch):
            idx = order[start : start + batch]
            xb = _shift(xt[idx], int(settings["max_shift"]), rng)
            loss = nn.functional.cross_entropy(net(xb), yt[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
    net.eval()
    with torch.no_grad():
        pred = net(torch.tensor(x_ho, dtype=torch.float32)).argmax(1).numpy()
    accuracy = float((pred == y_ho).mean())
    net.accuracy = accuracy
    settings["channels"] = list(settings["channels"])
    return TrainedFeatures(net, accuracy, len(x_tr), len(x_ho), settings, time.process_time() - cpu0)


def weights_path(dataset: str) -> Path:
    """Where the shipped weights of ``dataset``'s feature network lie (inside the package)."""
    spec = dataset_spec(dataset)
    return Path(str(resources.files("qgan_helpers.metrics") / "weights" / f"{spec.name}.pt"))


@lru_cache(maxsize=4)
def feature_network(dataset: str = "digits") -> FeatureNet:
    """The shipped feature network of ``dataset`` (loaded once per process, eval mode, no gradients).

    Raises
    ------
    FileNotFoundError
        If the package has no weights for this data set (the message gives the command that makes them).
    """
    spec = dataset_spec(dataset)
    path = weights_path(spec.name)
    if not path.is_file():
        raise FileNotFoundError(
            f"dataset: no shipped feature network for {spec.name!r} at {path}; make it with "
            f"python -m qgan_helpers train features --dataset {spec.name} --out {path}"
        )
    payload = torch.load(path, map_location="cpu", weights_only=True)
    cfg = payload["config"]
    net = FeatureNet(cfg["image_size"], cfg["n_features"], cfg["channels"])
    net.load_state_dict(payload["state_dict"])
    net.accuracy = float(payload["accuracy"])
    net.eval()
    for p in net.parameters():
        p.requires_grad_(False)
    return net


def _as_images(name: str, images: Any, dataset: str) -> torch.Tensor:
    spec = dataset_spec(dataset)
    arr = validation.image_batch(name, images, n_pixels=spec.n_pixels)
    return torch.tensor(arr, dtype=torch.float32)


@contextmanager
def _plain_convolutions() -> Iterator[None]:
    """Run the small convolutions without oneDNN (mkldnn).

    For these 16- and 32-channel layers on one thread, torch's oneDNN path is about ten times slower
    than its plain implementation (measured: 7.8 s against 0.7 s for 2,500 MNIST images), and the
    28x28 suite runs the network on thousands of images per row.
    """
    # set the one flag directly: torch.backends.mkldnn.flags() also touches TF32 and warns about it
    before = torch.backends.mkldnn.enabled
    torch.backends.mkldnn.enabled = False
    try:
        yield
    finally:
        torch.backends.mkldnn.enabled = before


def features(images: Any, dataset: str = "digits", batch_size: int = 1024) -> np.ndarray:
    """The feature network's 32 features of each image.

    Parameters
    ----------
    images : array or tensor, shape (N, H, W) or (N, H*W)
        Pixels in ``[0, 1]``.
    dataset : str
        Whose feature network to use.

    Returns
    -------
    numpy.ndarray, shape (N, 32), float64
    """
    x = _as_images("images", images, dataset)
    net = feature_network(dataset)
    with torch.no_grad(), _plain_convolutions():
        out = [net.features(x[i : i + batch_size]) for i in range(0, len(x), batch_size)]
    return torch.cat(out).double().numpy()


def predict_digits(images: Any, dataset: str = "digits") -> np.ndarray:
    """The digit the feature network sees in each image; int64 array of shape (N,).

    Examples
    --------
    >>> from qgan_helpers.metrics.datasets import real_images
    >>> x, y = real_images("digits", "heldout", digit=7)
    >>> float((predict_digits(x) == 7).mean()) > 0.9
    True
    """
    x = _as_images("images", images, dataset)
    with torch.no_grad(), _plain_convolutions():
        return feature_network(dataset)(x).argmax(1).numpy().astype(np.int64)


def predict_from_features(feats: Any, dataset: str = "digits") -> np.ndarray:
    """The digit the feature network sees, from features already computed by :func:`features`.

    The same as ``predict_digits(images, dataset)`` for ``feats = features(images, dataset)``, without
    running the convolutions again.

    Parameters
    ----------
    feats : array, shape (N, n_features)
    dataset : str

    Returns
    -------
    numpy.ndarray, shape (N,), int64

    Examples
    --------
    >>> from qgan_helpers.metrics.datasets import real_images
    >>> x, _ = real_images("digits", "heldout", digit=3)
    >>> bool((predict_from_features(features(x)) == predict_digits(x)).all())
    True
    """
    net = feature_network(dataset)
    f = torch.as_tensor(np.asarray(feats), dtype=net.head.weight.dtype)
    if f.ndim != 2 or f.shape[1] != net.n_features:
        raise ValueError(f"feats: expected shape (N, {net.n_features}), got {tuple(f.shape)}")
    with torch.no_grad():
        return net.head(f).argmax(1).numpy().astype(np.int64)


def save_feature_network(path: str | Path, trained: TrainedFeatures, command: str) -> tuple[Path, Path]:
    """Write ``PATH.pt`` (config, weights, held-out accuracy) and ``PATH.json`` (provenance) beside it.

    The ``.pt`` file holds only tensors, numbers and lists (``torch.load(..., weights_only=True)``
    reads it); :func:`feature_network` loads it.
    """
    out = Path(path)
    if out.suffix != ".pt":
        raise ValueError(f"path: expected a file name ending in .pt, got {str(out)!r}")
    if not out.parent.is_dir():
        raise FileNotFoundError(f"path: the directory {str(out.parent)!r} does not exist")
    net = trained.net
    config = {"image_size": net.image_size, "n_features": net.n_features, "channels": list(trained.settings["channels"])}
    state = {k: v.detach().clone() for k, v in net.state_dict().items()}
    torch.save({"config": config, "state_dict": state, "accuracy": trained.accuracy}, out)
    from qgan_helpers.provenance import package_versions

    provenance = {
        "command": command,
        "trained_on": f"the 'train' split ({trained.n_train} images)",
        "heldout_accuracy": round(trained.accuracy, 4),
        "heldout_images": trained.n_heldout,
        "config": config,
        "settings": trained.settings,
        "parameters": int(sum(p.numel() for p in net.parameters())),
        "cpu_seconds": round(trained.cpu_seconds, 1),
        "packages": package_versions(),
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    json_path = out.with_suffix(".json")
    json_path.write_text(json.dumps(provenance, indent=2) + "\n")
    return out, json_path
