"""SSLGAN under tf.distribute on CPU, run as a subprocess by test_distribute.py.

python distribute_job.py parity OUT.npz
    Splits the CPU into 2 logical devices and makes one training step on the same
    global batch with one device and with MirroredStrategy over 2 replicas; writes
    the weights of both runs.

python distribute_job.py triple OUT.npz
    The same for a TripleGAN step (2 logical devices).

python distribute_job.py good_bad OUT.npz
    The same for a GoodBadGAN step (2 logical devices).

python distribute_job.py bad OUT.npz
    The same for a BadGAN step with every generator term on (2 logical devices).

python distribute_job.py fused_adam OUT.npz
    The model of `parity` with `keras_sslgan.optimizers.FusedAdam` (the discriminator's
    keeping an EMA, which `fit` leaves in its weights): one device, 2 replicas, and
    one device with Keras' Adam (`keras_0`, ...), 3 steps each.

python distribute_job.py loss_scale OUT.npz
    The model of `parity` under mixed_float16 on 2 replicas (compile wraps its
    optimizers in LossScaleOptimizers): two steps of a scale so large that the float16
    gradients overflow; writes the steps counted, the scale and the weights before and
    after.

python distribute_job.py worker OUT.npz   (with TF_CONFIG set)
    One worker of a MultiWorkerMirroredStrategy cluster: trains a few steps and
    writes its weights and the first and last discriminator loss.
"""

import sys

import numpy as np
import tensorflow as tf

MODE, OUT = sys.argv[1], sys.argv[2]
if MODE in (
    "parity", "triple", "bad", "good_bad", "fused_adam", "loss_scale", "pretrain", "consistency",
    "fixmatch", "balance",
):  # fmt: skip
    (cpu,) = tf.config.list_physical_devices("CPU")
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)

import keras  # noqa: E402

import keras_sslgan  # noqa: E402


def build(strategy, adam=keras.optimizers.Adam, ema=False, consistency=0.0, **terms):
    """The same model in every call: same seeds, built inside `strategy.scope()`; `adam`
    the optimizers' class, the discriminator's keeping an EMA with `ema=True`; with
    `consistency` the Mean Teacher term of that weight; `terms`: the model's views and
    other consistency settings."""
    keras.utils.set_random_seed(1)
    views = {k: terms.pop(k) for k in ("augmentation", "strong_augmentation") if k in terms}
    with strategy.scope():
        model = keras_sslgan.SSLGAN(
            generator=keras_sslgan.networks.mlp_generator(
                4, (2,), hidden_units=(16,), output_activation=None
            ),
            # No noise layers: every random number then comes from the model's latent
            # draw, which is the same whatever the number of replicas.
            discriminator=keras_sslgan.networks.mlp_discriminator(
                (2,), 2, hidden_units=(16, 8), input_noise=0.0, hidden_noise=0.0
            ),
            num_classes=2,
            seed=1,
            **{k: make() for k, make in views.items()},
        )
        model.compile(
            d_optimizer=adam(1e-2, beta_1=0.5, use_ema=ema, ema_momentum=0.5),
            g_optimizer=adam(1e-2, beta_1=0.5),
            consistency_weight=consistency,
            **terms,
        )
    return model


def data():
    x, y = keras_sslgan.datasets.two_circles.load_data(64, seed=1)
    return keras_sslgan.split_labeled(x, y, 8, seed=1)


def weights(model):
    return [np.asarray(v) for v in model.discriminator.weights + model.generator.weights]


def draws(model, n):
    return model.sample_labels(n), model.sample_noise(n, 3)


def build_bad(strategy):
    """A BadGAN whose pull-away and low-density terms (global-batch terms) are on."""
    keras.utils.set_random_seed(1)
    (_, _), x_u = data()
    density = keras_sslgan.networks.PCAGaussianMixture.fit(x_u, pca_dim=2, num_components=4)
    with strategy.scope():
        generator = keras_sslgan.networks.mlp_generator(
            4, (2,), hidden_units=(16,), output_activation=None
        )
        # About half the generator's first samples are above it: the count of those
        # (global, not per replica) matters.
        first = generator(np.random.default_rng(0).uniform(size=(64, 4)), training=True)
        threshold = float(np.median(density(first)))
        model = keras_sslgan.BadGAN(
            generator=generator,
            discriminator=keras_sslgan.networks.mlp_discriminator(
                (2,), 2, hidden_units=(16, 8), input_noise=0.0, hidden_noise=0.0
            ),
            num_classes=2,
            density_model=density,
            seed=1,
        )
        model.compile(
            # SGD, as for the TripleGAN step (see build_triple).
            d_optimizer=keras.optimizers.SGD(0.1),
            g_optimizer=keras.optimizers.SGD(0.1),
            entropy_weight=0.3,
            feature_distance="l1",
            pull_away_weight=0.8,
            density_weight=0.5,
            density_threshold=threshold,
        )
    return model


def parity(build=build, steps=1):
    (x_l, y_l), x_u = data()
    results = {}
    for name, strategy in (
        ("one", tf.distribute.OneDeviceStrategy("/cpu:0")),
        ("mirrored", tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])),
    ):
        model = build(strategy)
        before = weights(model)
        history = model.fit(
            (x_l, y_l),
            x_u,
            batch_size=16,
            labeled_batch_size=8,
            epochs=1,
            steps_per_epoch=steps,
            initialize=False,
            verbose=0,
        )
        results[f"{name}_replicas"] = np.array(strategy.num_replicas_in_sync)
        for term in ("low_density_loss", "pull_away_loss", "consistency_loss", "pseudo_label_rate"):
            if term in history.history:
                results[f"{term.removesuffix('_loss')}_{name}"] = np.array(
                    history.history[term][-1]
                )
        # Labels and noise of the model's seed: 6 per replica, drawn in one replica step.
        fresh = build(strategy)
        replicas = strategy.num_replicas_in_sync
        per_replica = 12 // replicas
        labels, noise = strategy.run(tf.function(draws), args=(fresh, per_replica))
        for draw, value in (("labels", labels), ("noise", noise)):
            results[f"draw_{draw}_{name}"] = np.concatenate(
                [np.asarray(v) for v in strategy.experimental_local_results(value)]
            )
        for i, (b, a) in enumerate(zip(before, weights(model))):
            results[f"{name}_{i}"] = a
            results[f"before_{i}"] = b
    np.savez(OUT, **results)


def build_triple(strategy):
    keras.utils.set_random_seed(1)
    networks = keras_sslgan.networks
    quiet = dict(input_noise=0.0, hidden_noise=0.0)  # no noise layers (see `build`)
    with strategy.scope():
        model = keras_sslgan.TripleGAN(
            generator=networks.conditional_mlp_generator(
                4, 2, (2,), hidden_units=(16,), output_activation=None
            ),
            discriminator=networks.pair_discriminator((2,), 2, hidden_units=(16, 8), **quiet),
            classifier_network=networks.mlp_classifier((2,), 2, hidden_units=(16, 8), **quiet),
            num_classes=2,
            # Per replica, as every batch size: None is the unlabeled batch's.
            generated_batch_size=None,
            pseudo_labeled_fraction=0.5,
            seed=1,
        )
        model.compile(
            # SGD: Adam's first step is lr * sign(g), which would blow a rounding
            # difference in a near-zero gradient up to 2 * lr.
            *(keras.optimizers.SGD(0.1) for _ in range(3)),
            label_expectation="integrate",
            balance_weight=0.5,
            pseudo_discriminative_start=0,
        )
    return model


def build_good_bad(strategy):
    """`build_triple`'s model with a bad generator, C returning its features."""
    keras.utils.set_random_seed(1)
    networks = keras_sslgan.networks
    quiet = dict(input_noise=0.0, hidden_noise=0.0)
    with strategy.scope():
        model = keras_sslgan.GoodBadGAN(
            generator=networks.conditional_mlp_generator(
                4, 2, (2,), hidden_units=(16,), output_activation=None
            ),
            bad_generator=networks.mlp_generator(
                4, (2,), hidden_units=(16,), output_activation=None
            ),
            discriminator=networks.pair_discriminator((2,), 2, hidden_units=(16, 8), **quiet),
            classifier_network=networks.mlp_classifier(
                (2,), 2, hidden_units=(16, 8), return_features=True, **quiet
            ),
            num_classes=2,
            generated_batch_size=None,
            pseudo_labeled_fraction=0.5,
            seed=1,
        )
        model.compile(
            *(keras.optimizers.SGD(0.1) for _ in range(4)),
            balance_weight=0.5,
            pseudo_discriminative_start=0,
            pull_away_weight=0.8,
        )
    return model


def triple(build=None):
    """One TripleGAN step on one global batch: 8 labeled and 16 unlabeled examples.

    Each of 2 replicas splits its 8 unlabeled examples into C's 4 and D's 4; one device
    splits its 16 into 8 and 8. The single device gets the unlabeled examples ordered so
    that its split makes the same two sets.
    """
    (x_l, y_l), x_u = data()
    x_l, y_l, x_u = x_l[:8], y_l[:8].astype("int32"), x_u[:16]
    one_order = np.concatenate([x_u[0:4], x_u[8:12], x_u[4:8], x_u[12:16]])
    results = {}
    for name, strategy, unlabeled in (
        ("one", tf.distribute.OneDeviceStrategy("/cpu:0"), one_order),
        ("mirrored", tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"]), x_u),
    ):
        model = (build or build_triple)(strategy)
        networks = [getattr(model, player) for player in model.players]
        before = [np.asarray(v) for n in networks for v in n.weights]
        batch = tf.data.Dataset.from_tensors(((x_l, y_l), unlabeled))
        model.fit(batch, epochs=1, initialize=False, verbose=0)
        results[f"{name}_replicas"] = np.array(strategy.num_replicas_in_sync)
        for i, (b, a) in enumerate(
            zip(before, [np.asarray(v) for n in networks for v in n.weights])
        ):
            results[f"{name}_{i}"] = a
            results[f"before_{i}"] = b
    np.savez(OUT, **results)


def pretrain():
    """One step of `TripleGAN.pretrain_classifier` on one global batch, on one device and
    on 2 replicas (SGD made in the scope); then one with its default optimizer, which it
    makes in the model's scope."""
    (x_l, y_l), x_u = data()
    batch = ((x_l[:8], y_l[:8].astype("int32")), x_u[:16])
    results = {}
    for name, strategy in (
        ("one", tf.distribute.OneDeviceStrategy("/cpu:0")),
        ("mirrored", tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])),
    ):
        model = build_triple(strategy)
        with strategy.scope():
            sgd = keras.optimizers.SGD(0.1)
        before = [np.asarray(v) for v in model.classifier_network.weights]
        data_set = tf.data.Dataset.from_tensors(batch)
        model.pretrain_classifier(data_set, None, optimizer=sgd, verbose=0)
        results[f"{name}_replicas"] = np.array(strategy.num_replicas_in_sync)
        for i, (b, a) in enumerate(zip(before, model.classifier_network.weights)):
            results[f"{name}_{i}"], results[f"before_{i}"] = np.asarray(a), b
        model.pretrain_classifier(data_set, None, verbose=0)  # the default optimizer
    np.savez(OUT, **results)


def fused_adam():
    """`parity` with FusedAdam, 3 steps; then the same on one device with Keras' Adam."""
    import functools

    fused = functools.partial(build, adam=keras_sslgan.optimizers.FusedAdam, ema=True)
    parity(fused, steps=3)
    reference = build(tf.distribute.OneDeviceStrategy("/cpu:0"), ema=True)
    (x_l, y_l), x_u = data()
    reference.fit(
        (x_l, y_l),
        x_u,
        batch_size=16,
        labeled_batch_size=8,
        epochs=1,
        steps_per_epoch=3,
        initialize=False,
        verbose=0,
    )
    with np.load(OUT) as r:
        results = dict(r)
    results.update({f"keras_{i}": w for i, w in enumerate(weights(reference))})
    np.savez(OUT, **results)


def worker():
    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    (x_l, y_l), x_u = data()
    model = build(strategy)
    # The first step's data on this worker, distributed as Keras' fit distributes it.
    step = tf.Variable(0, dtype=tf.int64)
    stream = keras_sslgan.data.resumable_stream((x_l, y_l), x_u, 16, 8, 1, step)
    (first_l, _), first_u = next(iter(strategy.experimental_distribute_dataset(stream)))
    first_l, first_u = (strategy.experimental_local_results(v)[0] for v in (first_l, first_u))
    global_batch = next(iter(stream))
    history = model.fit((x_l, y_l), x_u, batch_size=16, labeled_batch_size=8, epochs=3, verbose=0)
    d_loss = history.history["d_loss"]
    np.savez(
        OUT,
        d_loss=np.array(d_loss),
        replicas=strategy.num_replicas_in_sync,
        first_labeled=np.asarray(first_l),
        first_unlabeled=np.asarray(first_u),
        global_labeled=np.asarray(global_batch[0][0]),
        global_unlabeled=np.asarray(global_batch[1]),
        **{str(i): w for i, w in enumerate(weights(model))},
    )


def loss_scale():
    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    keras.config.set_dtype_policy("mixed_float16")
    try:
        model = build(strategy)
    finally:
        keras.config.set_dtype_policy("float32")
    labeled, unlabeled = data()
    before = weights(model)
    model.d_optimizer.dynamic_scale.assign(2.0**120)
    model.fit(labeled, unlabeled[:32], batch_size=16, epochs=1, verbose=0, initialize=False)
    np.savez(
        OUT,
        replicas=strategy.num_replicas_in_sync,
        wrapped=isinstance(model.d_optimizer, keras.optimizers.LossScaleOptimizer),
        steps=model.training_step(),
        scale=np.asarray(model.d_optimizer.dynamic_scale.value),
        **{f"before_{i}": w for i, w in enumerate(before)},
        **{f"after_{i}": w for i, w in enumerate(weights(model))},
    )


def balance():
    """The class-balance loss and its gradient with logits 200 apart across replicas:
    replica 0's example predicts class 1 with certainty, replica 1's never does."""
    logits = np.array([[0.0, 200.0], [200.0, 0.0]], "float32")
    results = {}
    for name, strategy in (
        ("one", tf.distribute.OneDeviceStrategy("/cpu:0")),
        ("mirrored", tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])),
    ):
        replicas = strategy.num_replicas_in_sync
        with strategy.scope():
            x = tf.Variable(logits)  # each replica reads its own rows

        def step(x=x, replicas=replicas):
            _, index = keras_sslgan.engine.distribute.replica_id()
            rows = len(logits) // replicas
            with tf.GradientTape() as tape:
                mine = x[index * rows : (index + 1) * rows]
                loss = keras_sslgan.losses.class_balance_loss(
                    mine, keras_sslgan.engine.distribute.global_batch
                )
                scaled = keras_sslgan.engine.distribute.scale_for_replicas(loss)
            return loss, tape.gradient(scaled, x)

        loss, gradient = strategy.run(tf.function(step))
        results[f"loss_{name}"] = np.asarray(strategy.experimental_local_results(loss)[0])
        results[f"gradient_{name}"] = np.asarray(strategy.reduce("SUM", gradient, axis=None))
    np.savez(OUT, **results)


if __name__ == "__main__":
    {
        "parity": parity,
        "triple": triple,
        "bad": lambda: parity(build_bad),
        "good_bad": lambda: triple(build_good_bad),
        "worker": worker,
        "fused_adam": fused_adam,
        "balance": balance,
        "loss_scale": loss_scale,
        "pretrain": pretrain,
        # SGD (see `build_triple`): Adam's sign-like first steps would amplify rounding.
        "consistency": lambda: parity(
            lambda s: build(
                s,
                adam=lambda lr, beta_1, **ema: keras.optimizers.SGD(lr, **ema),
                ema=True,
                consistency=5.0,
            ),
            steps=3,
        ),
        # FixMatch, its two views drawn by Keras' random layers: each replica's examples
        # get the draws one device gives them.
        "fixmatch": lambda: parity(
            lambda s: build(
                s,
                adam=lambda lr, beta_1, **ema: keras.optimizers.SGD(lr, **ema),
                consistency=5.0,
                consistency_teacher="fixmatch",
                consistency_threshold=0.55,
                augmentation=lambda: keras.layers.GaussianNoise(0.2, seed=2),
                strong_augmentation=lambda: keras.layers.GaussianNoise(1.0, seed=3),
            ),
            steps=3,
        ),
    }[MODE]()
