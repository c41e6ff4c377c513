def ema_update(average, current, decay):
    """One step of an exponential moving average of a model's state_dict."""
    new = {}
    for key, value in current.items():
        value = value.detach()
        if value.dtype.is_floating_point:
            new[key] = decay * average[key] + (1 - decay) * value
        else:  # integer buffers (counters, ...) are copied, not averaged
            new[key] = value.clone()
    return new
