"""The consistency term every method can add to its classifier's loss: the loss and its
ramp by hand, one SGD step with Mean Teacher and one with FixMatch by hand, the
teacher's moving average, FixMatch's mask and threshold, and the method contract (save,
load, train on, export) with the term on."""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf
from helpers import (
    NUM_CLASSES,
    run_method_test,
    tiny_discriminator,
    tiny_generator,
    tiny_three_player,
)

import keras_sslgan
from keras_sslgan import losses, networks
from keras_sslgan.engine import state


def test_consistency_loss_and_ramp_by_hand():
    student = np.array([[0.0, 0.0], [2.0, 0.0]], "float32")
    teacher = np.array([[1.0, 0.0], [2.0, 0.0]], "float32")
    p = 1 / (1 + math.exp(-1.0))  # softmax([1, 0])[0]
    # Squares (p - 0.5)^2 twice in the first row, 0 in the second; mean of 4 entries.
    expected = 2 * (p - 0.5) ** 2 / 4
    assert float(losses.consistency_loss(student, teacher)) == pytest.approx(expected, rel=1e-6)
    with tf.GradientTape() as tape:
        t = tf.Variable(teacher)
        loss = losses.consistency_loss(student, t)
    assert tape.gradient(loss, t) is None  # no gradient through the teacher
    assert float(losses.sigmoid_rampup(0, 100)) == pytest.approx(math.exp(-5.0))
    assert float(losses.sigmoid_rampup(50, 100)) == pytest.approx(math.exp(-5.0 * 0.25))
    assert float(losses.sigmoid_rampup(300, 100)) == 1.0
    assert float(losses.sigmoid_rampup(0, 0)) == 1.0


def test_pseudo_label_loss_by_hand():
    """Rows 1 and 3 are confident (softmax max 0.88 and 0.95 >= 0.8), row 2 is not
    (0.62): the loss is the mean over all 3 rows of the masked cross-entropies of the
    strong logits against the weak rows' argmax."""
    weak = np.array([[2.0, 0.0], [0.0, 0.5], [0.0, 3.0]], "float32")
    strong = np.array([[0.5, 1.0], [1.0, -1.0], [0.0, 0.0]], "float32")
    confident = [1 / (1 + math.exp(-2.0)), 1 / (1 + math.exp(-0.5)), 1 / (1 + math.exp(-3.0))]
    assert [c >= 0.8 for c in confident] == [True, False, True]
    ce_row_1 = -math.log(math.exp(0.5) / (math.exp(0.5) + math.exp(1.0)))  # label 0
    ce_row_3 = math.log(2.0)  # label 1 of equal logits
    loss, rate = losses.pseudo_label_loss(strong, weak, 0.8)
    assert float(loss) == pytest.approx((ce_row_1 + ce_row_3) / 3, rel=1e-6)
    assert float(rate) == pytest.approx(2 / 3)
    loss, rate = losses.pseudo_label_loss(strong, weak, 0.96)  # no row confident enough
    assert float(loss) == 0.0 and float(rate) == 0.0
    with tf.GradientTape() as tape:
        w = tf.Variable(weak)
        loss, _ = losses.pseudo_label_loss(strong, w, 0.8)
    assert tape.gradient(loss, w) is None  # the pseudo-labels are held constant


def quiet_baseline(teacher="mean_teacher", weight=2.0, rampup=4, lr=0.1, **kwargs):
    keras.utils.set_random_seed(2)
    classifier = networks.mlp_classifier(
        (2,), 2, hidden_units=(6,), input_noise=0.0, hidden_noise=0.0, seed=1
    )
    views = {k: kwargs.pop(k) for k in ("augmentation", "strong_augmentation") if k in kwargs}
    model = keras_sslgan.SupervisedBaseline(classifier, 2, seed=3, **views)
    model.compile(
        c_optimizer=keras.optimizers.SGD(lr, use_ema=True, ema_momentum=0.5),
        consistency_weight=weight,
        consistency_rampup=rampup,
        consistency_teacher=teacher,
        **kwargs,
    )
    return model, classifier


X_L = np.array([[0.0, 1.0], [1.0, 0.0]], "float32")
Y_L = np.array([0, 1], "int32")
X_U = np.array([[0.5, -0.5], [2.0, 1.0], [-1.0, 0.3]], "float32")


def test_one_mean_teacher_step_is_the_sgd_update_by_hand_and_the_teacher_its_average():
    """Two steps first (the average then differs from the weights), then the third:
    `theta - lr * grad(CE + w * ramp(2) * L_c(f(x; theta), f(x; average)))`, and the
    teacher's average `m * average + (1 - m) * theta_new`."""
    model, classifier = quiet_baseline()
    batch = ((X_L, Y_L), X_U)
    for _ in range(2):
        model.train_step(batch)
    theta = [np.asarray(v) for v in classifier.trainable_variables]
    average = [np.asarray(a) for a in state.ema_variables(model.c_optimizer)]
    assert any(not np.allclose(t, a) for t, a in zip(theta, average))

    teacher_net = networks.mlp_classifier(
        (2,), 2, hidden_units=(6,), input_noise=0.0, hidden_noise=0.0
    )
    for v, a in zip(teacher_net.trainable_variables, average, strict=True):
        v.assign(a)
    student_net = networks.mlp_classifier(
        (2,), 2, hidden_units=(6,), input_noise=0.0, hidden_noise=0.0
    )
    for net in (teacher_net, student_net):  # the non-trainable state, as the model's
        for v, w in zip(net.non_trainable_variables, classifier.non_trainable_variables):
            v.assign(w)
    for v, t in zip(student_net.trainable_variables, theta, strict=True):
        v.assign(t)
    with tf.GradientTape() as tape:
        ce = losses.supervised_loss(Y_L, student_net(X_L), 2)
        l_c = losses.consistency_loss(student_net(X_U), teacher_net(X_U))
        loss = ce + 2.0 * math.exp(-5.0 * (1 - 2 / 4) ** 2) * l_c
    grads = tape.gradient(loss, student_net.trainable_variables)
    expected = [t - 0.1 * np.asarray(g) for t, g in zip(theta, grads)]

    logs = model.train_step(batch)
    assert float(logs["consistency_loss"]) > 0  # averaged over the 3 steps' values
    for got, want in zip(classifier.trainable_variables, expected):
        np.testing.assert_allclose(np.asarray(got), want, rtol=1e-5, atol=1e-6)
    for got, old, new in zip(state.ema_variables(model.c_optimizer), average, expected):
        np.testing.assert_allclose(np.asarray(got), 0.5 * old + 0.5 * new, rtol=1e-5, atol=1e-6)


def test_one_fixmatch_step_is_the_sgd_update_by_hand():
    """Weak view: the examples; strong view: the examples halved (a layer, not random,
    so that the step can be computed by hand). The update is
    `theta - lr * grad(CE + w * ramp(0) * L_u(f(x / 2), f(x)))` with the pseudo-labels
    and the mask of `f(x)` held constant; the threshold leaves some rows out."""
    model, classifier = quiet_baseline(
        teacher="fixmatch",
        weight=3.0,
        rampup=0,
        strong_augmentation=keras.layers.Rescaling(0.5),
        consistency_threshold=0.55,
    )
    assert model.logged_metric_names()[-2:] == ("consistency_loss", "pseudo_label_rate")
    theta = [np.asarray(v) for v in classifier.trainable_variables]
    weak_logits = np.asarray(classifier(X_U))
    probabilities = np.exp(weak_logits) / np.exp(weak_logits).sum(axis=1, keepdims=True)
    mask = probabilities.max(axis=1) >= 0.55
    assert 0 < mask.sum() < len(X_U)  # the threshold acts
    labels = probabilities.argmax(axis=1)
    with tf.GradientTape() as tape:
        ce = losses.supervised_loss(Y_L, classifier(X_L), 2)
        strong = classifier(X_U * 0.5)
        per_row = keras.ops.sparse_categorical_crossentropy(labels, strong, from_logits=True)
        loss = ce + 3.0 * keras.ops.mean(per_row * mask.astype("float32"))
    grads = tape.gradient(loss, classifier.trainable_variables)
    expected = [t - 0.1 * np.asarray(g) for t, g in zip(theta, grads)]

    logs = model.train_step(((X_L, Y_L), X_U))
    assert float(logs["pseudo_label_rate"]) == pytest.approx(mask.mean())
    assert float(logs["consistency_loss"]) > 0
    for got, want in zip(classifier.trainable_variables, expected):
        np.testing.assert_allclose(np.asarray(got), want, rtol=1e-5, atol=1e-6)


def test_fixmatch_settings_are_checked():
    with pytest.raises(ValueError, match="strong_augmentation=None"):
        quiet_baseline(teacher="fixmatch")
    for threshold in (1.5, -0.1, None, True):
        with pytest.raises(ValueError, match=f"consistency_threshold={threshold!r}"):
            quiet_baseline(
                teacher="fixmatch",
                strong_augmentation=keras.layers.Rescaling(0.5),
                consistency_threshold=threshold,
            )
    with pytest.warns(UserWarning, match="`strong_augmentation` is seen only with"):
        quiet_baseline(strong_augmentation=keras.layers.Rescaling(0.5))
    with pytest.warns(UserWarning, match="`strong_augmentation` is applied only by"):
        quiet_baseline(weight=0.0, strong_augmentation=keras.layers.Rescaling(0.5))
    model, _ = quiet_baseline()  # the threshold is a FixMatch setting only
    assert "consistency_threshold" not in model.get_compile_config()
    with pytest.raises(ValueError, match="factor=0"):
        keras_sslgan.recipes.strong_augmentation(factor=0)


def test_fixmatch_trains_under_mixed_float16():
    """The strong view computes in float32 under the GPU policy: Keras' RandomErasing
    cannot draw its patch from float16 images in a compiled step."""
    with pytest.warns(UserWarning, match="TensorFlow sees no GPU"):  # float16 on a CPU
        model = keras_sslgan.recipes.photo_models(
            16, 2, width=4, consistency=1.0, teacher="fixmatch", threshold=0.0,
            dtype_policy="mixed_float16",
        )["consistency"]  # fmt: skip
    assert [layer.compute_dtype for layer in model.strong_augmentation.layers] == ["float32"] * 2
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (8, 16, 16, 3)).astype("uint8")
    history = model.fit((x[:4], np.arange(4) % 2), x, batch_size=4, epochs=1, verbose=0)
    assert np.isfinite(history.history["consistency_loss"][-1])
    assert history.history["pseudo_label_rate"][-1] == 1.0  # threshold 0: every example


def test_the_pi_model_of_a_deterministic_network_and_view_has_nothing_to_learn():
    """Without noise or augmentation both passes agree: the term is 0 and so its
    gradient; with an augmentation the views differ and the term is positive."""
    with pytest.warns(UserWarning, match="both passes agree and the term is 0 on every step"):
        model, _ = quiet_baseline(teacher="pi", rampup=0)
    logs = model.train_step(((X_L, Y_L), X_U))
    assert float(logs["consistency_loss"]) == 0.0
    keras.utils.set_random_seed(2)
    classifier = networks.mlp_classifier((6, 6, 1), 2, hidden_units=(6,), seed=1)
    model = keras_sslgan.SupervisedBaseline(
        classifier, 2, augmentation=keras.layers.RandomTranslation(0.3, 0.3, seed=4)
    )
    model.compile(
        c_optimizer=keras.optimizers.SGD(0.1), consistency_weight=1.0, consistency_teacher="pi"
    )
    x = np.random.default_rng(0).uniform(size=(8, 6, 6, 1)).astype("float32")
    logs = model.train_step(((x[:2], Y_L), x))
    assert float(logs["consistency_loss"]) > 0


def with_consistency(build, **settings):
    """`build()`'s model compiled again with the consistency term on."""

    def rebuild():
        model = build()
        optimizers = {o: model.optimizer_of(p) for p, o in model.players.items()}
        model.compile(**optimizers, **model.compile_settings, **settings)
        return model

    return rebuild


def fm_gan(augmentation=None, strong_augmentation=None):
    model = keras_sslgan.FeatureMatchingGAN(
        tiny_generator(),
        tiny_discriminator(),
        NUM_CLASSES,
        preprocessing=keras.layers.Rescaling(1 / 255),
        augmentation=augmentation,
        strong_augmentation=strong_augmentation,
        seed=0,
    )
    model.compile(
        d_optimizer=keras.optimizers.Adam(1e-3, use_ema=True, ema_momentum=0.9),
        g_optimizer=keras.optimizers.Adam(1e-3),
    )
    return model


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(lambda: fm_gan(keras.layers.RandomTranslation(0.2, 0.2, seed=5)), id="fm_gan"),
        pytest.param(lambda: tiny_three_player(), id="triple_gan"),
        pytest.param(lambda: tiny_three_player(True), id="good_bad_gan", marks=pytest.mark.slow),
    ],
)
def test_the_method_contract_holds_with_the_term_on(tmp_path, build):
    """fit + save + load + fit == one longer fit, with the teacher's state and the
    augmentation's random stream saved; the export is the classifier's, unchanged."""
    model = run_method_test(
        with_consistency(build, consistency_weight=1.0, consistency_rampup=2), tmp_path
    )
    assert "consistency_loss" in model.logged_metric_names()
    assert model.get_compile_config()["consistency_weight"] == 1.0


def test_the_method_contract_holds_with_fixmatch(tmp_path):
    """The same with FixMatch's term, its strong view Keras' RandAugment and
    RandomErasing (their random streams saved and restored with the model)."""

    def build():
        return fm_gan(
            keras.layers.RandomTranslation(0.2, 0.2, seed=5),
            keras_sslgan.recipes.strong_augmentation((0, 1), seed=6),
        )

    settings = dict(consistency_weight=1.0, consistency_teacher="fixmatch")
    model = run_method_test(
        with_consistency(build, **settings, consistency_threshold=0.3), tmp_path
    )
    assert model.get_compile_config()["consistency_threshold"] == 0.3
    assert model.get_config()["strong_augmentation"]["class_name"] == "Sequential"


def test_consistency_settings_are_checked_and_off_by_default():
    model = fm_gan()
    assert "consistency_loss" not in model.logged_metric_names()
    assert "consistency_weight" not in model.get_compile_config()  # as before it existed
    optimizers = dict(d_optimizer=keras.optimizers.Adam(), g_optimizer=keras.optimizers.Adam())
    with pytest.raises(ValueError, match="use_ema=True"):
        model.compile(**optimizers, consistency_weight=1.0)  # no average to be the teacher
    with pytest.raises(ValueError, match="consistency_teacher='ema'"):
        model.compile(**optimizers, consistency_weight=1.0, consistency_teacher="ema")
    with pytest.raises(ValueError, match="consistency_weight=-1"):
        model.compile(**optimizers, consistency_weight=-1)
    with pytest.raises(ValueError, match="consistency_rampup=2.5"):
        model.compile(**optimizers, consistency_weight=1.0, consistency_rampup=2.5)
    with pytest.raises(ValueError, match="`augmentation` must be a keras.Model"):
        keras_sslgan.SupervisedBaseline(tiny_discriminator(), 3, augmentation="flip")
