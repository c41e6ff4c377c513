import torch


def row_pixels(probs, gain, width=28):
    """Pixels of rows from their post-selected probabilities: tanh(gain * p) of the first `width` outcomes.

    The outcomes beyond `width` are dark: probability put there paints nothing, so a row can be black.
    """
    probs = torch.as_tensor(probs)  # (..., outcomes)
    return torch.tanh(gain * probs[..., :width])  # (..., width), in [0, 1)
