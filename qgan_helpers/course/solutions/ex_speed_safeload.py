import torch


def load_checkpoint_safely(path):
    """Read a checkpoint's tensors and plain data; a file that names any other Python object is refused."""
    return torch.load(path, map_location="cpu", weights_only=True)
