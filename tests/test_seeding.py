"""seed_everything makes Python, NumPy and torch repeat themselves."""

import random

import numpy as np
import pytest
import torch

from qgan_helpers.seeding import seed_everything


def draw():
    return random.random(), float(np.random.rand()), float(torch.rand(1))


def test_same_seed_same_draws():
    seed_everything(123)
    a = draw()
    seed_everything(123)
    assert draw() == a
    seed_everything(124)
    assert draw() != a


def test_returns_a_seeded_generator():
    assert seed_everything(7).integers(1000) == np.random.default_rng(7).integers(1000)


@pytest.mark.parametrize("bad", [-1, 2**32, 1.5, "0", True, None])
def test_bad_seed_is_named(bad):
    with pytest.raises(ValueError, match="seed: expected an integer in \\[0, 2\\*\\*32\\)"):
        seed_everything(bad)
