"""Loss values against numbers computed by hand."""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_sslgan import losses


def softplus(v):
    return math.log1p(math.exp(v))


def lse(values):
    return math.log(sum(math.exp(v) for v in values))


UNLABELED = np.array([[1.0, 2.0, 0.5], [-1.0, 0.0, 3.0]], "float32")
GENERATED = np.array([[0.2, -0.3, 0.1], [2.0, 1.0, -2.0]], "float32")


def test_supervised_loss_by_hand():
    logits = np.array([[2.0, 0.0, 1.0], [0.5, 0.5, 3.0]], "float32")
    labels = np.array([0, 1])
    # -log softmax(l)_y, averaged: [lse(2,0,1) - 2, lse(.5,.5,3) - .5] / 2
    expected = ((lse([2, 0, 1]) - 2) + (lse([0.5, 0.5, 3]) - 0.5)) / 2
    assert float(losses.supervised_loss(labels, logits, 3)) == pytest.approx(expected, rel=1e-6)
    assert expected == pytest.approx(1.5298, abs=1e-4)


def test_supervised_loss_ignores_fake_logit():
    logits = np.array([[2.0, 0.0, 1.0, 50.0]], "float32")
    expected = lse([2, 0, 1]) - 2
    assert float(losses.supervised_loss(np.array([0]), logits, 3)) == pytest.approx(
        expected, rel=1e-6
    )


def test_logsumexp_discriminator_loss_by_hand():
    # 0.5 * (mean_u softplus(-lse) + mean_g softplus(lse))
    unlabeled = [softplus(-lse(row)) for row in UNLABELED.tolist()]
    generated = [softplus(lse(row)) for row in GENERATED.tolist()]
    expected = 0.5 * (np.mean(unlabeled) + np.mean(generated))
    value = float(losses.logsumexp_discriminator_loss(UNLABELED, GENERATED))
    assert value == pytest.approx(expected, rel=1e-6)
    assert value == pytest.approx(0.9875, abs=1e-4)


def test_k_plus_one_discriminator_loss_by_hand():
    fake_u = np.array([[0.7], [-0.4]], "float32")
    fake_g = np.array([[1.5], [0.0]], "float32")
    unlabeled = np.concatenate([UNLABELED, fake_u], axis=1)
    generated = np.concatenate([GENERATED, fake_g], axis=1)
    # unlabeled: -log(1 - p_fake) = lse(all) - lse(real); generated: -log p_fake
    u = [lse(row) - lse(row[:3]) for row in unlabeled.tolist()]
    g = [lse(row) - row[3] for row in generated.tolist()]
    expected = 0.5 * (np.mean(u) + np.mean(g))
    value = float(losses.k_plus_one_discriminator_loss(unlabeled, generated))
    assert value == pytest.approx(expected, rel=1e-6)


def test_k_plus_one_with_zero_fake_logit_equals_logsumexp():
    rng = np.random.default_rng(0)
    unlabeled = rng.normal(0, 3, (16, 10)).astype("float32")
    generated = rng.normal(0, 3, (16, 10)).astype("float32")
    zero = np.zeros((16, 1), "float32")
    k_plus_one = losses.k_plus_one_discriminator_loss(
        np.concatenate([unlabeled, zero], 1), np.concatenate([generated, zero], 1)
    )
    logsumexp = losses.logsumexp_discriminator_loss(unlabeled, generated)
    np.testing.assert_allclose(float(k_plus_one), float(logsumexp), rtol=1e-6)
    for head, fake in (("logsumexp", []), ("k_plus_one", [zero])):
        ns = losses.non_saturating_generator_loss(np.concatenate([generated] + fake, 1), head)
        np.testing.assert_allclose(
            float(ns), np.mean([softplus(-lse(r)) for r in generated.tolist()]), rtol=1e-5
        )


def test_losses_stay_finite_for_large_logits():
    big = np.array([[500.0, 400.0], [-500.0, -400.0]], "float32")
    value = float(losses.logsumexp_discriminator_loss(big, big))
    # unlabeled rows: softplus(-500) ~ 0, softplus(400) = 400; generated: 500 and ~0
    assert value == pytest.approx(0.5 * (200.0 + 250.0), rel=1e-5)


def test_conditional_entropy_loss_by_hand():
    # row 1: p = (1/2, 1/2), H = log 2; row 2: p = (3/4, 1/4),
    # H = -(3/4 log 3/4 + 1/4 log 1/4) = 0.562335...; the K+1 fake logit is left out.
    logits = np.array([[0.0, 0.0, 5.0], [np.log(3.0), 0.0, -2.0]], "float32")
    h2 = -(0.75 * np.log(0.75) + 0.25 * np.log(0.25))
    assert h2 == pytest.approx(0.5623351446)
    expected = 0.5 * (np.log(2.0) + h2)
    assert float(losses.conditional_entropy_loss(logits, 2)) == pytest.approx(expected, rel=1e-6)
    # confident predictions: the entropy goes to 0 without NaN for huge logits
    sure = np.array([[1000.0, -1000.0]], "float32")
    assert float(losses.conditional_entropy_loss(sure, 2)) == pytest.approx(0.0, abs=1e-6)


def test_feature_matching_loss_by_hand():
    real = np.array([[1.0, 2.0], [3.0, 4.0]], "float32")  # mean (2, 3)
    generated = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]], "float32")  # mean (1, 1)
    # mean over features of (2-1)^2 and (3-1)^2 = (1 + 4) / 2
    assert float(losses.feature_matching_loss(real, generated)) == pytest.approx(2.5)


def test_non_saturating_generator_loss_by_hand():
    logits = np.array([[0.0, 0.0]], "float32")  # lse = log 2, D(real) = 2/3
    assert float(losses.non_saturating_generator_loss(logits)) == pytest.approx(-math.log(2 / 3))
    k1 = np.array([[0.0, 0.0, math.log(2.0)]], "float32")  # D(real) = 2 / (2 + 2)
    assert float(losses.non_saturating_generator_loss(k1, "k_plus_one")) == pytest.approx(
        math.log(2)
    )


def test_unknown_head_is_refused():
    with pytest.raises(ValueError, match="head='kplus1'"):
        losses.real_vs_fake_logit(UNLABELED, "kplus1")


def test_pair_discriminator_and_generator_losses_by_hand():
    real = np.array([0.0, 2.0], "float32")
    generated = np.array([[1.0], [-1.0], [0.0]], "float32")
    classified = np.array([3.0], "float32")
    # softplus(0) = log 2; softplus(-2); mean softplus(1), softplus(-1), softplus(0)
    expected_real = (math.log(2) + softplus(-2.0)) / 2
    expected_g = (softplus(1.0) + softplus(-1.0) + math.log(2)) / 3
    expected = expected_real + 0.3 * expected_g + 0.7 * softplus(3.0)
    got = losses.pair_discriminator_loss(real, generated, classified, alpha=0.3)
    assert float(got) == pytest.approx(expected, rel=1e-6)
    default = losses.pair_discriminator_loss(real, generated, classified)
    assert float(default) == pytest.approx(expected_real + 0.5 * (expected_g + softplus(3.0)))
    g = (softplus(-1.0) + softplus(1.0) + math.log(2)) / 3
    assert float(losses.pair_generator_loss(generated)) == pytest.approx(0.5 * g, rel=1e-6)


def test_classifier_adversarial_losses_by_hand():
    # Example 1: p = (3/4, 1/4); example 2: p = (1/2, 1/2).
    class_logits = np.array([[math.log(3.0), 0.0], [0.0, 0.0]], "float32")
    pair_logits = np.array([[0.0, 1.0], [2.0, -2.0]], "float32")
    sum_1 = 0.75 * math.log(2) + 0.25 * softplus(-1.0)
    sum_2 = 0.5 * softplus(-2.0) + 0.5 * softplus(2.0)
    exact = losses.classifier_adversarial_loss(class_logits, pair_logits, alpha=0.5)
    assert float(exact) == pytest.approx(0.5 * (sum_1 + sum_2) / 2, rel=1e-6)
    # Argmax: y* = 0 for both (ties take the first); weight p(y*|x).
    at_argmax = pair_logits[:, :1]
    approx = losses.classifier_adversarial_loss_argmax(class_logits, at_argmax, alpha=0.2)
    expected = 0.8 * (0.75 * math.log(2) + 0.5 * softplus(-2.0)) / 2
    assert float(approx) == pytest.approx(expected, rel=1e-6)


def test_class_balance_loss_by_hand():
    # Two examples, K = 2: p = (3/4, 1/4) and (1/4, 3/4): batch mean uniform -> log 2.
    balanced = np.array([[math.log(3.0), 0.0], [0.0, math.log(3.0)]], "float32")
    assert float(losses.class_balance_loss(balanced)) == pytest.approx(math.log(2), rel=1e-6)
    # Both (3/4, 1/4): -(log 3/4 + log 1/4) / 2.
    skewed = np.array([[math.log(3.0), 0.0], [math.log(3.0), 0.0]], "float32")
    expected = -(math.log(0.75) + math.log(0.25)) / 2
    assert float(losses.class_balance_loss(skewed)) == pytest.approx(expected, rel=1e-6)
    assert expected > math.log(2)


def test_pair_discriminator_loss_sums_over_labels_with_the_classifier_weights():
    real, generated = np.array([0.0], "float32"), np.array([1.0], "float32")
    # Two unlabeled examples, every label's logit, C's p = (3/4, 1/4) and (1/2, 1/2).
    every = np.array([[0.0, 1.0], [2.0, -2.0]], "float32")
    weights = np.array([[0.75, 0.25], [0.5, 0.5]], "float32")
    classified = (0.75 * math.log(2) + 0.25 * softplus(1.0) + 0.5 * softplus(2.0)
                  + 0.5 * softplus(-2.0)) / 2  # fmt: skip
    expected = math.log(2) + 0.4 * softplus(1.0) + 0.6 * classified
    got = losses.pair_discriminator_loss(real, generated, every, 0.4, classified_weights=weights)
    assert float(got) == pytest.approx(expected, rel=1e-6)


def test_class_balance_loss_averages_over_what_it_gathers():
    """Under tf.distribute the mean is the global batch's (`distribute.global_batch`, an
    all-gather; two replicas against one device: `test_distribute`): the loss is that
    of the gathered examples."""
    logits = np.array([[math.log(3.0), 0.0], [0.0, 0.0]], "float32")
    other = np.array([[0.0, math.log(3.0)]], "float32")
    calls = []

    def gather(values):
        calls.append(tuple(values.shape))
        return keras.ops.concatenate([values, keras.ops.log_softmax(other, axis=-1)], axis=0)

    got = losses.class_balance_loss(logits, gather=gather)
    both = np.concatenate([logits, other])
    assert float(got) == pytest.approx(float(losses.class_balance_loss(both)), rel=1e-6)
    assert calls == [(2, 2)]


def test_class_balance_loss_stays_finite_when_no_example_predicts_a_class():
    """Logits 200 apart: every p(1 | x) underflows to 0 in float32, and log of their mean
    would be -inf. By hand (float64): p(1 | x_i) = exp(-200) and exp(-300), so
    L = -(log mean p0 + log mean p1) / 2 with log mean p1 = -200 + log((1 + e^-100) / 2)."""
    logits = np.array([[200.0, 0.0], [300.0, 0.0]], "float32")
    log_mean_p1 = -200.0 + math.log((1 + math.exp(-100.0)) / 2)
    expected = -(0.0 + log_mean_p1) / 2  # mean p0 = 1 to float64 precision
    x = tf.Variable(logits)
    with tf.GradientTape() as tape:
        loss = losses.class_balance_loss(x)
    assert float(loss) == pytest.approx(expected, rel=1e-6)
    # The term pulls class 1 up where it is least unlikely: by hand, with m_k = mean_i
    # p_ik, d L / d z_01 = -(1/2) (1/m_1) (1/2) p_01 (1 - p_01) = -1/2 (m_1 = p_01 / 2 to
    # float64 precision), d L / d z_00 = +1/2, and example 1's are of order e^-100.
    gradient = tape.gradient(loss, x).numpy()
    assert np.all(np.isfinite(gradient))
    np.testing.assert_allclose(gradient[0], [0.5, -0.5], atol=1e-6)
    np.testing.assert_allclose(gradient[1], [0.0, 0.0], atol=1e-6)


def test_feature_matching_l1_loss_by_hand():
    real = np.array([[1.0, 2.0], [3.0, 0.0]], "float32")  # means (2, 1)
    generated = np.array([[0.0, 4.0]], "float32")  # means (0, 4)
    assert float(losses.feature_matching_l1_loss(real, generated)) == pytest.approx(2.5)
    assert float(losses.feature_matching_loss(real, generated)) == pytest.approx(6.5)
    for name, value in (("l1", 2.5), ("l2", 6.5)):
        distance = losses.feature_matching_distance(name)
        assert float(distance(real, generated)) == pytest.approx(value)
    with pytest.raises(ValueError, match="feature_distance='l3'"):
        losses.feature_matching_distance("l3")


def test_pull_away_loss_by_hand():
    # f1 = (1, 0), f2 = (1, 1) (cos 1/sqrt 2), f3 = (0, 2) (cos with f1 0, with f2 1/sqrt 2):
    # the six ordered pairs give 2 * (1/2 + 0 + 1/2) = 2, over N(N-1) = 6.
    features = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 2.0]], "float32")
    assert float(losses.pull_away_loss(features)) == pytest.approx(1 / 3, rel=1e-6)
    # Scale-free, and 1 for a collapsed batch, 0 for orthogonal features.
    assert float(losses.pull_away_loss(5 * features)) == pytest.approx(1 / 3, rel=1e-6)
    assert float(losses.pull_away_loss(np.ones((4, 3), "float32"))) == pytest.approx(1.0)
    assert float(losses.pull_away_loss(np.eye(3, dtype="float32"))) == pytest.approx(0.0)


def test_low_density_loss_by_hand():
    log_density = np.array([-10.0, -4.0, -1.0, -6.0], "float32")
    # Above epsilon = -5: -4 and -1, excess 1 and 4, over the 2 of them.
    assert float(losses.low_density_loss(log_density, -5.0)) == pytest.approx(2.5)
    # None above: 0, not a division by zero.
    assert float(losses.low_density_loss(log_density, 0.0)) == 0.0
