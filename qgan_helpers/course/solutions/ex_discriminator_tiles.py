import torch


def shuffle_tiles(images: torch.Tensor, tile: int, generator: torch.Generator) -> torch.Tensor:
    """Cut every (H, W) image into tile x tile blocks and shuffle the blocks, independently per image."""
    n, h, w = images.shape
    rows, cols = h // tile, w // tile
    blocks = images.reshape(n, rows, tile, cols, tile).permute(0, 1, 3, 2, 4).reshape(n, rows * cols, tile, tile)
    order = torch.argsort(torch.rand(n, rows * cols, generator=generator), dim=1)  # one permutation per image
    shuffled = blocks[torch.arange(n)[:, None], order]
    return shuffled.reshape(n, rows, cols, tile, tile).permute(0, 1, 3, 2, 4).reshape(n, h, w)
