"""Consistency regularization of the classifying network, for every method: its
predictions on unlabeled data should not change with the view (augmentation, noise) or
with the moving average of its weights; or (FixMatch) its confident prediction on a
weakly augmented view is the label of a strongly augmented one.

A method adds `model.consistency(x_unlabeled)` to the loss of its classifying player;
the engine does the rest: the teacher, the ramp-up, the tracker. Formulas in
`keras_sslgan.losses.consistency_loss`, `pseudo_label_loss` and `sigmoid_rampup`.
"""

import math
import numbers
import warnings

from keras import ops

from keras_sslgan import losses
from keras_sslgan.engine import data_checks, distribute, state

TEACHERS = ("mean_teacher", "pi", "fixmatch")
# FixMatch's confidence threshold (google-research/fixmatch, `fixmatch.py` line 165).
FIXMATCH_THRESHOLD = 0.95
# The term's trackers: its unweighted value, and FixMatch's fraction of confident labels.
METRICS = ("consistency_loss", "pseudo_label_rate")


def consistency_settings(weight, rampup, teacher, threshold=FIXMATCH_THRESHOLD):
    """The compile settings of the term, checked: `{}` when `weight` is 0 (so that a
    model without the term compiles, saves and backs up as before it existed); the
    threshold only with the `"fixmatch"` teacher (likewise)."""
    data_checks.check_number("consistency_weight", weight)
    data_checks.check_finite_number("consistency_weight", weight)
    if (
        isinstance(rampup, bool)
        or not isinstance(rampup, numbers.Real)
        or not math.isfinite(rampup)
        or int(rampup) != rampup
        or rampup < 0
    ):
        raise ValueError(
            "`consistency_rampup` must be an integer >= 0 (training steps). "
            f"Received: consistency_rampup={rampup!r}"
        )
    if teacher not in TEACHERS:
        raise ValueError(
            f"`consistency_teacher` must be one of {TEACHERS}. "
            f"Received: consistency_teacher={teacher!r}"
        )
    if (
        isinstance(threshold, bool)
        or not isinstance(threshold, numbers.Real)
        or not 0 <= threshold <= 1
    ):
        raise ValueError(
            "`consistency_threshold` must be a number in [0, 1] (the confidence a "
            f"pseudo-label needs). Received: consistency_threshold={threshold!r}"
        )
    if not weight:
        return {}
    settings = {
        "consistency_weight": float(weight),
        "consistency_rampup": int(rampup),
        "consistency_teacher": teacher,
    }
    if teacher == "fixmatch":
        settings["consistency_threshold"] = float(threshold)
    return settings


def check_teacher(model, settings, optimizers):
    """Mean Teacher's teacher is the moving average the classifying player's optimizer
    keeps: refuses (before anything is compiled) an optimizer without one; FixMatch's
    student sees the model's `strong_augmentation`: refuses a model without one.

    Args:
        model: the model being compiled.
        settings: its compile settings (`consistency_settings`' among them).
        optimizers: dict from optimizer argument names to the optimizers given.
    """
    if not settings.get("consistency_weight"):
        return
    if settings["consistency_teacher"] == "fixmatch" and model.strong_augmentation is None:
        raise ValueError(
            "consistency_teacher='fixmatch' trains the student on a strongly augmented "
            "view: build the model with `strong_augmentation=` (e.g. "
            "keras_sslgan.recipes.strong_augmentation((0, 1))). Received: "
            "strong_augmentation=None"
        )
    if settings["consistency_teacher"] != "mean_teacher":
        return
    optimizer = model.players[model.classifying_player]
    given = optimizers[optimizer]
    if not getattr(getattr(given, "inner_optimizer", given), "use_ema", False):
        raise ValueError(
            "consistency_teacher='mean_teacher' uses the moving average of the "
            f"{model.classifying_player}'s weights: give `{optimizer}` `use_ema=True` (e.g. "
            "`keras.optimizers.Adam(..., use_ema=True, ema_momentum=0.99)`), or use "
            "consistency_teacher='pi'."
        )


def check_views(model):
    """Refuses a view layer (`augmentation`, `strong_augmentation`) whose output shape is
    not its input's, the classifying network's input (a `Resizing`, a `RandomCrop` to
    another size): its views could not be classified. Layers that cannot say their
    output shape are left to training."""
    shape = (
        tuple(model.classifying_network.inputs[0].shape)
        if hasattr(model.classifying_network, "inputs")
        else None
    )
    for name in ("augmentation", "strong_augmentation"):
        layer = getattr(model, name)
        if layer is None or shape is None:
            continue
        try:
            out = tuple(layer.compute_output_shape(shape))
        except Exception:  # noqa: BLE001 (Keras raises several kinds here)
            continue
        if out[1:] != shape[1:]:
            raise ValueError(
                f"`{name}` must give views of the shape of the examples the "
                f"{model.classifying_player} classifies, {shape[1:]}; it gives {out[1:]}. "
                f"Received: {name}={type(layer).__name__}"
            )


def warn_idle(model, settings):
    """Warns when a setting given at build or compile time would do nothing: an
    `augmentation` with the term off (only the term applies it), or the Pi-model's two
    passes of a classifier without noise, dropout or augmentation (they always agree)."""
    weight = settings.get("consistency_weight", 0.0)
    teacher = settings.get("consistency_teacher")
    for name in ("augmentation", "strong_augmentation"):
        if getattr(model, name) is not None and not weight:
            warnings.warn(
                f"The model's `{name}` is applied only by the consistency term, which is "
                "off (consistency_weight=0): training never sees it. Pass "
                f"compile(consistency_weight=...) to use it, or build the model without it.",
                stacklevel=4,
            )
    if weight and teacher != "fixmatch" and model.strong_augmentation is not None:
        warnings.warn(
            "The model's `strong_augmentation` is seen only with "
            f"consistency_teacher='fixmatch'; the teacher is {teacher!r}: training never "
            "sees it. Pass compile(consistency_teacher='fixmatch') to use it.",
            stacklevel=4,
        )
    if weight and teacher == "pi" and model.augmentation is None:
        if not _stochastic(model.classifying_network):
            warnings.warn(
                "consistency_teacher='pi' compares two passes of the "
                f"{model.classifying_player}, which has no noise or dropout, and the model "
                "has no `augmentation`: both passes agree and the term is 0 on every step. "
                "Give the model an augmentation (e.g. keras.layers.RandomTranslation(0.1, "
                "0.1)) or use consistency_teacher='mean_teacher'.",
                stacklevel=4,
            )


def _stochastic(layer):
    """Whether `layer` (or a layer inside it) draws random numbers in training: dropout
    and noise of a positive rate, and Keras' random augmentation layers."""
    if getattr(layer, "rate", 0) or getattr(layer, "stddev", 0):
        return True
    if type(layer).__name__.startswith("Random"):
        return True
    return any(_stochastic(inner) for inner in getattr(layer, "layers", ()))


def teacher_logits(model, x):
    """The K class logits of the Mean Teacher: the classifying network, in training mode
    (its noise and dropout on), with the moving averages of its weights, its batch-norm
    statistics left as they are. Before the first step, when the averages are not yet
    taken, the network's own weights."""
    network = model.classifying_network
    optimizer = model.optimizer_of(model.classifying_player)
    first = ops.equal(optimizer.iterations, 0)
    weights = [
        ops.where(first, variable, average)
        for variable, average in zip(
            network.trainable_variables, state.ema_variables(optimizer), strict=True
        )
    ]
    fixed = [v.value for v in network.non_trainable_variables]
    outputs, _ = network.stateless_call(weights, fixed, x, training=True)
    logits = outputs[0] if isinstance(outputs, (list, tuple)) else outputs
    return ops.cast(logits[:, : model.num_classes], "float32")


def view(augmentation, x):
    """A random view of `x` (`x` itself when `augmentation` is `None`), drawn for the
    global batch and sliced under a distribution strategy: R replicas see the views
    one device sees, not R copies of one draw."""
    if augmentation is None:
        return x
    batch = ops.shape(x)[0]
    everyone = distribute.global_batch(x)
    return distribute.replica_slice(lambda _: augmentation(everyone, training=True), batch)


def consistency_term(model, x_unlabeled):
    """`(weight x ramp x L, {"consistency_loss": L, ...})` on preprocessed unlabeled
    `x_unlabeled`. Mean Teacher and the Pi-model: the student (the classifying network
    in training mode) and the teacher each see their own random view
    (`model.augmentation`, when set, and the network's noise), `L = L_c`. FixMatch: the
    network's pass on a weak view (`model.augmentation`) labels the examples it is
    confident of, the student learns them on a strong view (`model.strong_augmentation`),
    `L = L_u`, and `pseudo_label_rate` is the confident fraction."""
    logs = {}
    if model.consistency_teacher == "fixmatch":
        # One network in training mode for both views, as FixMatch's code (`fixmatch.py`
        # line 100); the weak view's logits are held constant in the loss.
        weak = model.class_logits(view(model.augmentation, x_unlabeled), training=True)
        strong = model.class_logits(view(model.strong_augmentation, x_unlabeled), training=True)
        loss, logs["pseudo_label_rate"] = losses.pseudo_label_loss(
            strong, weak, model.consistency_threshold
        )
    else:
        student = model.class_logits(view(model.augmentation, x_unlabeled), training=True)
        if model.consistency_teacher == "mean_teacher":
            teacher = teacher_logits(model, view(model.augmentation, x_unlabeled))
        else:  # the Pi-model: a second stochastic pass of the network itself
            teacher = model.class_logits(view(model.augmentation, x_unlabeled), training=True)
        loss = losses.consistency_loss(student, teacher)
    step = model.optimizer_of(next(iter(model.players))).iterations
    ramp = losses.sigmoid_rampup(step, model.consistency_rampup)
    return model.consistency_weight * ramp * loss, {"consistency_loss": loss, **logs}
