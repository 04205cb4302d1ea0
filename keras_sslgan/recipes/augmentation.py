"""FixMatch's strong view of an image, from Keras' augmentation layers."""

import keras

# FixMatch's strong view (Sohn et al. 2020, section 2.3; google-research/fixmatch,
# `libml/augment.py` lines 388-391, "rac": `AugmentPoolRAMC(nops=2, magnitude=10)`,
# lines 209-223): RandAugment's 2 random operations, then Cutout
# (`third_party/auto_augment/augmentations.py` line 102: a 16-pixel square of the 32-pixel
# images, gray in their [-1, 1] scale). Keras' RandomErasing draws the patch's area, here
# up to the quarter of the image Cutout's square covers.
FIXMATCH_OPERATIONS = 2
FIXMATCH_CUTOUT_AREA = (0.02, 0.25)


def strong_augmentation(value_range=(0, 1), factor=0.5, seed=None):
    """`keras.layers.RandAugment` then `keras.layers.RandomErasing` (Cutout): the
    strongly augmented view of `consistency_teacher="fixmatch"`.

    Keras' RandAugment draws its 2 operations once per batch (each image its own
    magnitudes) where FixMatch draws them per image, and its `factor` sets every
    operation's range at once (rotations up to `factor` of a full turn, translations and
    shears up to `factor` of the side, brightness and contrast by up to `factor`).

    The layers compute in float32 under any dtype policy: Keras' RandomErasing cannot
    draw its patch from float16 images in a compiled step (`mixed_float16`, the GPU
    policy), and the views cost little beside the network.

    Args:
        value_range: `(low, high)` of the images it sees (after the model's
            preprocessing: `(0, 1)` after `Rescaling(1 / 255)`).
        factor: float in (0, 1], RandAugment's strength.
        seed: int or `None`, of both layers' random streams.

    Returns:
        A `keras.Sequential` of the two layers, for the model's `strong_augmentation`.
    """
    if isinstance(factor, bool) or not isinstance(factor, (int, float)) or not 0 < factor <= 1:
        raise ValueError(f"`factor` must be a number in (0, 1]. Received: factor={factor!r}")
    low, high = value_range
    return keras.Sequential(
        [
            keras.layers.RandAugment(
                value_range=value_range,
                num_ops=FIXMATCH_OPERATIONS,
                factor=factor,
                seed=seed,
                dtype="float32",
            ),
            keras.layers.RandomErasing(
                scale=FIXMATCH_CUTOUT_AREA,
                fill_value=(low + high) / 2,
                value_range=value_range,
                seed=None if seed is None else seed + 1,
                dtype="float32",
            ),
        ],
        name="strong_augmentation",
    )
