def decoder_parameters(n_inputs, widths, n_pixels):
    """Weights and biases of Linear(n_inputs, w1) -> ... -> Linear(w_last, n_pixels)."""
    total, width = 0, n_inputs
    for w in list(widths) + [n_pixels]:
        total += width * w + w  # a weight matrix and a bias vector
        width = w
    return total
