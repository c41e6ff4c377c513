import itertools

import numpy as np


def bas_patterns(rows, cols):
    """All bars-and-stripes patterns of a rows x cols grid, one flattened pattern per row."""
    found = set()
    for bars in itertools.product((0, 1), repeat=cols):  # every column constant
        found.add(tuple(np.tile(bars, rows)))
    for stripes in itertools.product((0, 1), repeat=rows):  # every row constant
        found.add(tuple(np.repeat(stripes, cols)))
    # a set drops the all-0 and all-1 images, which are both a bar and a stripe pattern
    return np.array(sorted(found))
