"""Tests of qgan_helpers.plotting: image grids, loss curves, circuit drawings (Agg backend)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pennylane as qml  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from qgan_helpers.plotting import (  # noqa: E402
    as_image_batch,
    draw_circuit,
    history_series,
    moving_average,
    plot_losses,
    show_images,
)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture
def images():
    return np.random.default_rng(0).random((10, 8, 8)).astype(np.float32)


def grid_of(ax: Axes) -> np.ndarray:
    assert len(ax.images) == 1
    return np.asarray(ax.images[0].get_array())


# ----------------------------------------------------------------------------------------------
# show_images
# ----------------------------------------------------------------------------------------------
def test_show_images_grid_shape_and_content(images):
    ax = show_images(images, nrow=4, title="ten images", padding=2)
    grid = grid_of(ax)
    # 10 images, 4 per row -> 3 rows; each cell is 8 + 2 pixels, plus the outer padding of 2
    assert grid.shape == (3 * 10 + 2, 4 * 10 + 2)
    np.testing.assert_allclose(grid[2:10, 2:10], images[0], atol=1e-6)  # first image top left
    np.testing.assert_allclose(grid[12:20, 2:10], images[4], atol=1e-6)  # fifth image starts row two
    np.testing.assert_allclose(grid[0, :], 0.5)  # padding halfway between vmin and vmax
    np.testing.assert_allclose(grid[22:30, 12:20], images[9], atol=1e-6)
    np.testing.assert_allclose(grid[22:30, 22:30], 0.5)  # empty cells stay padding grey
    assert ax.get_title() == "ten images"
    assert ax.images[0].get_cmap().name == "gray"
    assert ax.images[0].get_clim() == (0, 1)
    assert list(ax.get_xticks()) == [] and list(ax.get_yticks()) == []


def test_show_images_accepts_all_layouts(images):
    reference = grid_of(show_images(images))
    assert reference.shape == (2 * 9 + 1, 8 * 9 + 1)  # default padding 1, nrow 8
    layouts = [
        torch.tensor(images),
        images[:, None],
        torch.tensor(images[:, None], requires_grad=True),
        images.reshape(10, 64),
        images.reshape(10, 64).tolist(),
        images.astype(np.float64),
    ]
    for layout in layouts:
        np.testing.assert_allclose(grid_of(show_images(layout)), reference, atol=1e-6)
    rect = grid_of(show_images(images.reshape(10, 64), image_shape=(4, 16), nrow=5, padding=0))
    assert rect.shape == (2 * 4, 5 * 16)
    np.testing.assert_allclose(rect[:4, :16], images[0].reshape(4, 16), atol=1e-6)


def test_show_images_draws_into_given_axes_with_levels(images):
    fig, axes = plt.subplots(1, 2)
    out = show_images(images[:3] * 16, ax=axes[1], vmin=0, vmax=16, nrow=3)
    assert out is axes[1] and len(axes[0].images) == 0
    assert out.images[0].get_clim() == (0, 16)
    assert grid_of(out).shape == (9 + 1, 3 * 9 + 1)
    np.testing.assert_allclose(grid_of(out)[0, 0], 8.0)  # padding grey in the middle of [0, 16]


def test_as_image_batch_shapes():
    assert as_image_batch(np.zeros((5, 64))).shape == (5, 1, 8, 8)
    assert as_image_batch(torch.zeros(3, 28, 28)).shape == (3, 1, 28, 28)
    assert as_image_batch(torch.zeros(3, 1, 4, 6), image_shape=(4, 6)).shape == (3, 1, 4, 6)
    assert as_image_batch(np.zeros((2, 12)), image_shape=[3, 4]).dtype == torch.float32


@pytest.mark.parametrize(
    "bad, kwargs, error, message",
    [
        (
            np.zeros((4, 3, 8, 8)), {}, ValueError,
            r"images: expected 4-D images of shape \(N, 1, H, W\).*\(4, 3, 8, 8\)",
        ),
        (np.zeros((0, 8, 8)), {}, ValueError, r"images: expected at least one non-empty image.*\(0, 8, 8\)"),
        (np.zeros((2, 1, 1, 8, 8)), {}, ValueError, r"images: expected shape \(N, H, W\), .* got \(2, 1, 1, 8, 8\)"),
        (np.zeros(64), {}, ValueError, r"images: expected shape .* got \(64,\)"),
        (np.zeros((3, 10)), {}, ValueError, r"image_shape: required for flattened images of 10 pixels"),
        (np.zeros((3, 64)), {"image_shape": (4, 4)}, ValueError, r"image_shape: expected H\*W = 64 .* got \(4, 4\)"),
        (np.zeros((3, 8, 8)), {"image_shape": (4, 16)}, ValueError, r"image_shape: expected \(8, 8\) .* got \(4, 16\)"),
        (np.zeros((3, 64)), {"image_shape": (8, 0)}, ValueError, r"image_shape: expected a pair \(H, W\) of positive"),
        (np.full((2, 8, 8), np.nan), {}, ValueError, r"images: expected finite values, got 128 NaN/inf pixel"),
        ("not images", {}, TypeError, r"images: expected a torch tensor or NumPy array of numbers, got str"),
        (np.zeros((3, 8, 8)), {"nrow": 0}, ValueError, r"nrow: expected an integer >= 1, got 0"),
        (np.zeros((3, 8, 8)), {"vmin": 1, "vmax": 0}, ValueError, r"vmin: expected finite vmin < vmax, got vmin=1"),
        (np.zeros((3, 8, 8)), {"padding": -1}, ValueError, r"padding: expected an integer >= 0, got -1"),
    ],
)
def test_show_images_bad_inputs(bad, kwargs, error, message):
    with pytest.raises(error, match=message):
        show_images(bad, **kwargs)


# ----------------------------------------------------------------------------------------------
# plot_losses
# ----------------------------------------------------------------------------------------------
HISTORY = {"loss_d": [1.4, 1.3, 1.2, 1.25, 1.1], "loss_g": [0.7, 0.8, 0.9, 0.85, 1.0]}


def legend_labels(ax: Axes) -> list[str]:
    return [t.get_text() for t in ax.get_legend().get_texts()]


def test_plot_losses_dict_of_lists():
    ax = plot_losses(HISTORY, title="GAN losses")
    assert len(ax.get_lines()) == 2
    assert legend_labels(ax) == ["loss_d", "loss_g"]
    for line, key in zip(ax.get_lines(), HISTORY):
        np.testing.assert_allclose(line.get_ydata(), HISTORY[key])
        np.testing.assert_allclose(line.get_xdata(), np.arange(5))
    assert ax.get_xlabel() == "step" and ax.get_ylabel() == "loss" and ax.get_title() == "GAN losses"


def test_plot_losses_list_of_dicts_matches_dict_of_lists():
    records = [{"loss_d": d, "loss_g": torch.tensor(g)} for d, g in zip(HISTORY["loss_d"], HISTORY["loss_g"])]
    ax = plot_losses(records)
    assert legend_labels(ax) == ["loss_d", "loss_g"]
    np.testing.assert_allclose(ax.get_lines()[1].get_ydata(), HISTORY["loss_g"], rtol=1e-6)


def test_plot_losses_sparse_keys_and_selection():
    records = [{"loss": 1.0}, {"loss": 0.8, "mmd": 0.5}, {"loss": 0.7, "note": "lr halved"}, {"loss": 0.6, "mmd": 0.3}]
    series = history_series(records)
    assert list(series) == ["loss", "mmd"]  # "note" is not numeric
    np.testing.assert_allclose(series["mmd"][0], [1, 3])  # placed at the records that logged it
    ax = plot_losses(records, keys="mmd", ylabel="MMD²")
    assert legend_labels(ax) == ["mmd"] and ax.get_ylabel() == "MMD²"
    np.testing.assert_allclose(ax.get_lines()[0].get_xdata(), [1, 3])
    ax = plot_losses({"loss_d": [1.0, 0.5], "mmd": [], "config": "adam"})  # empty/non-numeric left out
    assert legend_labels(ax) == ["loss_d"]


def test_plot_losses_smoothing():
    noisy = np.random.default_rng(1).normal(size=50).tolist()
    ax = plot_losses({"loss_d": noisy, "loss_g": noisy[::-1]}, smooth=5)
    lines = ax.get_lines()
    assert len(lines) == 4  # smoothed + faint raw for each key
    assert legend_labels(ax) == ["loss_d (avg of 5)", "loss_g (avg of 5)"]
    naive = [np.mean(noisy[max(0, i - 4) : i + 1]) for i in range(50)]
    np.testing.assert_allclose(lines[0].get_ydata(), naive)
    np.testing.assert_allclose(lines[1].get_ydata(), noisy)
    assert lines[0].get_color() == lines[1].get_color()
    assert len(plot_losses(HISTORY, smooth=3, show_raw=False).get_lines()) == 2
    assert legend_labels(plot_losses(HISTORY, smooth=1)) == ["loss_d", "loss_g"]


def test_moving_average_against_loop():
    values = np.random.default_rng(2).random(17)
    for window in (1, 2, 5, 17, 40):
        naive = [values[max(0, i - window + 1) : i + 1].mean() for i in range(17)]
        np.testing.assert_allclose(moving_average(values, window), naive)


def test_plot_losses_uses_given_axes_and_history_objects():
    class History:
        def to_dict(self):
            return HISTORY

    fig, ax = plt.subplots()
    assert plot_losses(History(), ax=ax, keys=["loss_g"]) is ax
    assert legend_labels(ax) == ["loss_g"]


@pytest.mark.parametrize(
    "history, kwargs, error, message",
    [
        (
            HISTORY, {"keys": ["loss_x"]}, ValueError,
            r"keys: unknown key 'loss_x'; history has keys \['loss_d', 'loss_g'\]",
        ),
        (HISTORY, {"keys": []}, ValueError, r"keys: expected at least one key of \['loss_d', 'loss_g'\]"),
        ({"loss": [1.0], "note": "x"}, {"keys": "note"}, ValueError, r"keys: 'note' holds no numbers in history"),
        ({}, {}, ValueError, r"history: expected at least one numeric series"),
        ([], {}, ValueError, r"history: expected at least one numeric series"),
        (
            {"loss": [1.0, float("nan"), 0.5]}, {}, ValueError,
            r"history\['loss'\]: expected finite values, got nan at position 1",
        ),
        ({"loss": []}, {"keys": "loss"}, ValueError, r"history\['loss'\]: expected at least one value, got none"),
        (HISTORY, {"smooth": 0}, ValueError, r"smooth: expected an integer >= 1, got 0"),
        (
            [1.0, 2.0], {}, TypeError,
            r"history: expected a dict of lists or a list of dicts, got a list whose item 0 is float",
        ),
        (3.5, {}, TypeError, r"history: expected a dict of lists or a list of dicts, got float"),
    ],
)
def test_plot_losses_bad_inputs(history, kwargs, error, message):
    with pytest.raises(error, match=message):
        plot_losses(history, **kwargs)


# ----------------------------------------------------------------------------------------------
# draw_circuit
# ----------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def circuit():
    @qml.qnode(qml.device("default.qubit", wires=3))
    def ry_chain(angles, entangle=True):
        for w in range(3):
            qml.RY(angles[w], wires=w)
        if entangle:
            qml.CNOT(wires=[0, 1])
            qml.CNOT(wires=[1, 2])
        return qml.probs(wires=[0, 1, 2])

    return ry_chain


def texts(ax: Axes) -> list[str]:
    return [t.get_text() for t in ax.texts]


def test_draw_circuit_returns_figure_with_gates(circuit):
    rc_before = dict(matplotlib.rcParams)
    fig, ax = draw_circuit(circuit, np.array([0.1, 0.2, 0.3]), title="RY chain")
    assert isinstance(fig, Figure) and isinstance(ax, Axes) and ax.figure is fig
    labels = texts(ax)
    assert [t for t in labels if t.startswith("RY")] == ["RY\n(0.10)", "RY\n(0.20)", "RY\n(0.30)"]
    assert {"0", "1", "2"} <= set(labels)  # wire labels
    assert ax.get_title() == "RY chain"
    assert dict(matplotlib.rcParams) == rc_before  # the style does not leak into later plots


def test_draw_circuit_forwards_keyword_arguments(circuit):
    _, with_cnots = draw_circuit(circuit, [0.1, 0.2, 0.3], decimals=None, style="black_white")
    _, without = draw_circuit(circuit, [0.1, 0.2, 0.3], entangle=False, decimals=None)
    assert "RY" in texts(without) and "RY\n(0.10)" not in texts(without)
    # two CNOTs draw two control dots and two target circles more than the plain chain
    assert len(with_cnots.patches) > len(without.patches)


def test_draw_circuit_accepts_quantum_functions():
    def qfunc(x):
        qml.RX(x, wires=0)
        return qml.expval(qml.PauliZ(0))

    fig, ax = draw_circuit(qfunc, 0.5)
    assert isinstance(fig, Figure) and "RX\n(0.50)" in texts(ax)


@pytest.mark.parametrize(
    "qnode, kwargs, error, message",
    [
        ("circuit", {}, TypeError, r"qnode: expected a QNode or quantum function, got str"),
        (None, {}, TypeError, r"qnode: expected a QNode or quantum function, got NoneType"),
        (lambda: None, {"style": "fancy"}, ValueError, r"style: expected one of \[.*'pennylane'.*\], got 'fancy'"),
        (lambda: None, {"decimals": -1}, ValueError, r"decimals: expected None or a non-negative integer, got -1"),
    ],
)
def test_draw_circuit_bad_inputs(qnode, kwargs, error, message):
    with pytest.raises(error, match=message):
        draw_circuit(qnode, **kwargs)
