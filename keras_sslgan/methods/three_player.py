"""What the three-player methods (Triple-GAN, the good-and-bad GAN) share beside the
class: the checks of their networks and batch arguments when built, of the game's
settings when compiled, and the split of the unlabeled batch and the K pairs of an
example that their steps use."""

import tensorflow as tf
from keras import ops

from keras_sslgan.engine import data_checks

LABEL_EXPECTATIONS = ("argmax", "integrate")


def check_three_players(
    generator,
    discriminator,
    classifier_network,
    num_classes,
    generated_batch_size,
    discriminator_labeled_batch_size,
    pseudo_labeled_fraction,
):
    """Raises a `ValueError`, naming the argument, for networks or batch arguments the
    game cannot use (see `TripleGAN`)."""
    for name, value in (
        ("generated_batch_size", generated_batch_size),
        ("discriminator_labeled_batch_size", discriminator_labeled_batch_size),
    ):
        if value is not None and (int(value) != value or value < 1):
            raise ValueError(
                f"`{name}` must be a positive integer or None. Received: {name}={value!r}"
            )
    if not 0 <= pseudo_labeled_fraction < 1:
        raise ValueError(
            "`pseudo_labeled_fraction` must be in [0, 1). "
            f"Received: pseudo_labeled_fraction={pseudo_labeled_fraction!r}"
        )
    _check_pair_networks(generator, discriminator, classifier_network)
    data_checks.check_class_outputs(classifier_network, num_classes, "classifier_network")
    data_checks.check_label_inputs(generator, num_classes, "generator")
    data_checks.check_label_inputs(discriminator, num_classes, "discriminator")
    if generated_batch_size is not None and generated_batch_size < num_classes:
        # G's labels cycle through the classes: a smaller batch never makes the last.
        raise ValueError(
            f"`generated_batch_size` must be at least num_classes={num_classes}, so "
            "that every class is generated each step. "
            f"Received: generated_batch_size={generated_batch_size!r}"
        )


def _check_pair_networks(generator, discriminator, classifier_network):
    """G(z, y) and D(x, y) take two inputs, the three networks one example shape, D
    gives one logit."""
    for name, network in (("generator", generator), ("discriminator", discriminator)):
        inputs = getattr(network, "inputs", None)
        if not inputs or len(inputs) != 2:
            raise ValueError(
                f"`{name}` must be a functional keras.Model with two inputs "
                f"(`[{'noise' if name == 'generator' else 'examples'}, labels]`). "
                f"Received inputs: {[tuple(i.shape) for i in inputs or []]}"
            )
    shapes = {
        "the generator's output": tuple(generator.output_shape[1:]),
        "the discriminator's examples": tuple(discriminator.inputs[0].shape[1:]),
        "the classifier's input": tuple(classifier_network.input_shape[1:]),
    }
    if len(set(shapes.values())) != 1:
        raise ValueError(f"The networks must agree on the shape of an example. Received: {shapes}")
    if tuple(discriminator.output_shape[1:]) != (1,):
        raise ValueError(
            "`discriminator` must output one logit per pair, shape (batch, 1). "
            f"Received: discriminator with output shape {discriminator.output_shape}"
        )


def game_settings(
    alpha,
    label_expectation,
    entropy_weight,
    balance_weight,
    pseudo_discriminative_weight,
    pseudo_discriminative_start,
):
    """The compile settings of the three-player game, checked (see `compile`)."""
    if label_expectation not in LABEL_EXPECTATIONS:
        raise ValueError(
            f"`label_expectation` must be one of {LABEL_EXPECTATIONS}. "
            f"Received: label_expectation={label_expectation!r}"
        )
    data_checks.check_number("alpha", alpha, 0.0, 1.0)
    data_checks.check_weights(
        entropy_weight=entropy_weight,
        balance_weight=balance_weight,
        pseudo_discriminative_weight=pseudo_discriminative_weight,
        pseudo_discriminative_start=pseudo_discriminative_start,
    )
    if int(pseudo_discriminative_start) != pseudo_discriminative_start:
        raise ValueError(
            "`pseudo_discriminative_start` must be an integer (a training step). "
            f"Received: pseudo_discriminative_start={pseudo_discriminative_start!r}"
        )
    return {
        "alpha": float(alpha),
        "label_expectation": label_expectation,
        "entropy_weight": float(entropy_weight),
        "balance_weight": float(balance_weight),
        "pseudo_discriminative_weight": float(pseudo_discriminative_weight),
        "pseudo_discriminative_start": int(pseudo_discriminative_start),
    }


def split_unlabeled(x_unlabeled, pseudo_labeled_fraction):
    """`(C's part, D's pseudo-labeled part)` of the unlabeled batch: the last
    `pseudo_labeled_fraction` of it is D's."""
    num_unlabeled = x_unlabeled.shape[0]
    if num_unlabeled is None:
        num_unlabeled = ops.shape(x_unlabeled)[0]
    num_pseudo = ops.cast(
        ops.round(pseudo_labeled_fraction * ops.cast(num_unlabeled, "float32")), "int32"
    )
    num_classified = num_unlabeled - num_pseudo
    # An empty part would make C's unlabeled terms NaN: say why instead.
    check = tf.debugging.assert_positive(
        num_classified,
        message=f"pseudo_labeled_fraction={pseudo_labeled_fraction} leaves C no "
        "unlabeled example of the batch: use a larger batch or a smaller fraction",
    )
    with tf.control_dependencies([check] if check is not None else []):
        num_classified = tf.identity(num_classified)
    return x_unlabeled[:num_classified], x_unlabeled[num_classified:]


def every_label(x, num_classes):
    """`(x repeated K times per example, labels 0..K-1 per example)`: the K pairs of
    each example, example-major, for the exact expectation over labels."""
    repeated = ops.repeat(x, num_classes, axis=0)
    labels = ops.tile(ops.arange(num_classes, dtype="int32"), [ops.shape(x)[0]])
    return repeated, labels
