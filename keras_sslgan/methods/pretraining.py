"""Classifier pre-training: C learns from the labels and the unlabeled entropy and balance
terms before the three-player game starts (Li et al. 2017's MNIST recipe)."""

import keras

from keras_sslgan.methods.supervised import SupervisedBaseline


def pretrain_classifier(
    model,
    labeled,
    unlabeled,
    *,
    epochs=1,
    optimizer=None,
    entropy_weight=0.3,
    balance_weight=0.3,
    batch_size=500,
    labeled_batch_size=100,
    **kwargs,
):
    """Trains the classifier C of `model` (a `TripleGAN` or `GoodBadGAN`) alone before
    the game, as Li et al. do with 100 labels or fewer.

    C learns from `CE(labeled) + entropy_weight H(C(x_u)) + balance_weight
    L_bal(C(x_u))` (`keras_sslgan.SupervisedBaseline` with these weights), with
    its own optimizer (the authors': Adam(3e-4) for 30 epochs of 500 unlabeled and
    100 labeled examples a step). The data-dependent initialization of C, if it has
    weight-normalized layers, happens here, and `fit` then leaves C as trained.
    C's optimizer in the game, and its moving average, start afterwards.

    Args:
        labeled, unlabeled: as for `fit`.
        epochs: int >= 0, passes over the unlabeled data.
        optimizer: `keras.optimizers.Optimizer` or `None` for
            `Adam(3e-4, beta_1=0.9, beta_2=0.999)`. Under a `tf.distribute` strategy,
            create it in the strategy's scope, as the model.
        entropy_weight, balance_weight: floats >= 0 (0.3 and 0.3 in the authors'
            pre-training).
        batch_size, labeled_batch_size: ints, per step.
        **kwargs: `fit` arguments (`verbose`, `callbacks`, `steps_per_epoch`, ...).

    Returns:
        The `History` of the pre-training `fit`.
    """
    if not model._is_compiled():  # the game's step counts and weights must exist
        raise RuntimeError(
            f"{type(model).__name__}.pretrain_classifier: call `compile(...)` first: the "
            "pre-training hands C to the game, whose optimizers count its steps."
        )
    # After a `fit` C holds its moving averages; pre-training trains the trained weights
    # (those the next `fit` goes on from), not the averages.
    model.use_ema_weights(False)
    # Under the model's distribution strategy, as the model: its variables are mirrored.
    with model.distribute_strategy.scope():
        if optimizer is None:
            optimizer = keras.optimizers.Adam(3e-4, beta_1=0.9, beta_2=0.999, epsilon=1e-8)
        pretraining = SupervisedBaseline(
            model.classifier_network,
            model.num_classes,
            preprocessing=model.preprocessing,
            seed=model.seed,
            name="classifier_pretraining",
        )
        pretraining.compile(
            c_optimizer=optimizer, entropy_weight=entropy_weight, balance_weight=balance_weight
        )
    history = pretraining.fit(
        labeled,
        unlabeled,
        batch_size=batch_size,
        labeled_batch_size=labeled_batch_size,
        epochs=epochs,
        initialize=model.training_step() == 0 and int(model.pretraining_steps.numpy()) == 0,
        **kwargs,
    )
    model.pretraining_steps.assign_add(pretraining.training_step())
    return history
