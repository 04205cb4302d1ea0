"""Two concentric circles: the smallest picture of semi-supervised learning."""

import numpy as np


def load_data(num_points=2000, radii=(1.0, 2.0), noise=0.1, seed=0):
    """Points on two concentric circles, class 0 inner and class 1 outer.

    The classes are not linearly separable, and the low-density gap between the
    circles is where the decision boundary belongs: few labels fix which circle is
    which, the unlabeled points show where the circles are.

    Args:
        num_points: int, total number of points (half per circle).
        radii: tuple of two floats, inner and outer radius.
        noise: float, std of Gaussian noise added to each coordinate.
        seed: int, seed of the draw.

    Returns:
        `(x, y)`: float32 `(num_points, 2)` and int32 `(num_points,)`.
    """
    if num_points < 2:
        raise ValueError(f"`num_points` must be >= 2. Received: num_points={num_points}")
    rng = np.random.default_rng(seed)
    y = np.arange(num_points) % 2
    angle = rng.uniform(0, 2 * np.pi, num_points)
    radius = np.asarray(radii, "float64")[y]
    x = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
    x += rng.normal(0, noise, x.shape)
    return x.astype("float32"), y.astype("int32")


def between_fraction(points, radii=(1.0, 2.0)):
    """The fraction of `points` (`(n, 2)`) whose radius lies strictly between `radii`:
    the gap between the circles, where a complement generator should put its samples."""
    radius = np.linalg.norm(np.asarray(points), axis=1)
    return float(np.mean((radius > radii[0]) & (radius < radii[1])))
