from qgan_helpers.models.discriminators import MLPDiscriminator


def mlp_with_budget(n_inputs: int, budget: int) -> MLPDiscriminator:
    """The widest MLPDiscriminator with one hidden layer and at most `budget` trainable parameters."""
    # (n_inputs + 1) * h weights and biases into the hidden layer, h + 1 out of it
    h = (budget - 1) // (n_inputs + 2)
    return MLPDiscriminator(n_pixels=n_inputs, hidden=(h,))
