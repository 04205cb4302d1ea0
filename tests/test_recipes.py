"""Each recipe's card holds the settings of its authors' code (file and line beside each
value), and the compiled model holds its card."""

import keras
import numpy as np
import pytest

import keras_sslgan
from keras_sslgan import recipes


def test_salimans_card_is_the_improved_gan_mnist_script():
    # openai/improved-gan, mnist_svhn_cifar10/train_mnist_feature_matching.py and nn.py
    assert recipes.SALIMANS_MNIST == {
        "d_learning_rate": 3e-3,  # train_mnist_feature_matching.py 122: lr = 0.003
        "g_learning_rate": 3e-3,  # 90: the generator's updates use the same lr
        "d_beta_1": 0.5,  # 85: mom1=0.5
        "g_beta_1": 0.5,  # 90: mom1=0.5
        "beta_2": 0.999,  # nn.py 26: mom2=0.999
        "adam_epsilon": 1e-4,  # nn.py 37: sqrt(v + 1e-8)
        "ema_momentum": 0.9999,  # 87: a + 0.0001 * (p - a)
        "decay_fraction": 0.0,  # 122-123: lr constant for all epochs
        "input_noise": 0.3,  # 38
        "hidden_noise": 0.5,  # 40-48
    }
    assert recipes.SALIMANS_MNIST_RUN == {"batch_size": 100, "epochs": 300}  # 17, 123


def test_dai_card_is_the_ssl_bad_gan_mnist_trainer():
    # kimiyoung/ssl_bad_gan, config.py (mnist_config) and mnist_trainer.py
    assert recipes.DAI_MNIST == {
        "d_learning_rate": 3e-3,  # config.py 12
        "g_learning_rate": 1e-3,  # config.py 14
        "d_beta_1": 0.5,  # mnist_trainer.py 36: betas=(0.5, 0.9999)
        "g_beta_1": 0.0,  # mnist_trainer.py 37: betas=(0.0, 0.9999)
        "beta_2": 0.9999,
        "adam_epsilon": 1e-8,  # torch.optim.Adam's default
        "ema_momentum": 0.0,  # no average of the weights
        "decay_fraction": 1 / 3,  # mnist_trainer.py 221-222: min(3 (1 - ratio), 1)
        "input_noise": 0.3,  # mnist_model.py 120
        "hidden_noise": 0.5,  # mnist_model.py 121-128
        "density_weight": 1e-4,  # config.py 35
        "density_start": 9_001,  # mnist_trainer.py 122: iter > 9000
        "density_every": 10,  # config.py 36: p_loss_prob = 0.1
    }


def test_li_card_is_the_triple_gan_mnist_script():
    # zhenxuan00/triple-gan, x2y_yz2x_xy2p_ssl_mnist.py
    card = recipes.LI_MNIST
    assert card["classifier"] == "conv"  # 190-200
    assert card["learning_rate"] == 1e-3  # 104
    assert (card["beta_1"], card["beta_2"], card["adam_epsilon"]) == (0.5, 0.999, 1e-8)  # 94-96
    assert card["ema_momentum"] == 0.99  # 349: a + 0.01 * (p - a)
    assert card["alpha"] == 0.5  # 303-306
    assert card["label_expectation"] == "argmax"  # 32
    assert (card["entropy_weight"], card["balance_weight"]) == (0.3, 1e-3)  # 83-84
    assert card["pseudo_discriminative_weight"] == 0.1  # 88
    assert (card["input_noise"], card["hidden_noise"]) == (0.3, 0.5)  # 91-92
    assert card["generated_batch_size"] == 200  # 99
    assert card["initialize_discriminator"] is False  # no init pass over D
    assert card["train_output_scale"] is False  # 235: nn.DenseLayer, train_scale=False
    assert card["label_twice_after_first"] is True  # 220-222
    assert card["generator_batch_norm_scale"] is True  # 207, 209: lasagne batch_norm
    assert card["generator_batch_norm_epsilon"] == 1e-4
    assert card["generator_batch_norm_momentum"] == 0.9  # alpha=0.1
    assert (card["hold_epochs"], card["decay_rate"]) == (300, 0.995)  # 106-108, 474
    assert card["pseudo_discriminative_start_epoch"] == 299  # 89, 458: from epoch 300
    assert recipes.LI_MNIST_RUN == {"epochs": 1000, "pretrain_epochs": 30}  # 105, 74


@pytest.mark.parametrize(
    "labels, expected",
    [
        # 99-103: C's unlabeled max(100, 10000 / n) + D's 400; labeled min(100, n); D's
        # labeled max(n / 100, 1); an epoch is a pass of C's part (160).
        (20, (900, 400 / 900, 20, 1, 120)),
        (100, (500, 0.8, 100, 1, 600)),
        (200, (500, 0.8, 100, 2, 600)),
    ],
)
def test_li_batches_follow_the_number_of_labels(labels, expected):
    batches = recipes.li_mnist_batches(labels)
    assert tuple(batches.values()) == pytest.approx(expected)
    with pytest.raises(ValueError, match="labels=0"):
        recipes.li_mnist_batches(0)


def adam_settings(optimizer):
    return (optimizer.beta_1, optimizer.beta_2, optimizer.epsilon)


def test_salimans_mnist_holds_its_card_or_the_budget_card():
    model = recipes.salimans_mnist()
    d, g = model.d_optimizer, model.g_optimizer
    assert float(d.learning_rate) == pytest.approx(3e-3)
    assert float(g.learning_rate) == pytest.approx(3e-3)
    assert adam_settings(d) == adam_settings(g) == (0.5, 0.999, 1e-4)
    assert d.use_ema and d.ema_momentum == 0.9999 and not g.use_ema
    # Constant: no schedule even when the steps are known.
    constant = recipes.salimans_mnist(steps=1000)
    assert isinstance(constant.d_optimizer._learning_rate, keras.Variable)

    budget = recipes.salimans_mnist(budget=True, steps=900)
    d, g = budget.d_optimizer, budget.g_optimizer
    assert adam_settings(d) == (0.5, 0.9999, 1e-7) and adam_settings(g) == (0.0, 0.9999, 1e-7)
    assert d.ema_momentum == 0.999
    schedule = g._learning_rate
    assert isinstance(schedule, keras_sslgan.HoldThenLinearDecay)
    assert (schedule.base, schedule.total_steps, schedule.decay_fraction) == (1e-3, 900, 1 / 3)
    # A setting given wins over either card.
    assert recipes.salimans_mnist(budget=True, g_beta_1=0.5).g_optimizer.beta_1 == 0.5
    assert not recipes.salimans_mnist(ema_momentum=0).d_optimizer.use_ema


def test_dai_mnist_holds_its_card():
    x = np.random.default_rng(0).uniform(size=(40, 28, 28, 1))
    density = keras_sslgan.networks.PCAGaussianMixture.fit(x, pca_dim=2, num_components=1)
    model = recipes.dai_mnist(density, -1.0)
    d, g = model.d_optimizer, model.g_optimizer
    assert adam_settings(d) == (0.5, 0.9999, 1e-8) and adam_settings(g) == (0.0, 0.9999, 1e-8)
    assert not d.use_ema
    assert (model.density_weight, model.density_start, model.density_every) == (1e-4, 9001, 10)
    scheduled = recipes.dai_mnist(density, -1.0, steps=600)
    assert scheduled.d_optimizer._learning_rate.decay_fraction == pytest.approx(1 / 3)
    # The budget card: Salimans et al.'s budget optimizers, Dai et al.'s density terms.
    budget = recipes.dai_mnist(density, -1.0, budget=True, density_weight=0.01)
    assert adam_settings(budget.d_optimizer) == (0.5, 0.9999, 1e-7)
    assert budget.d_optimizer.ema_momentum == 0.999 and budget.density_weight == 0.01


def test_li_mnist_holds_its_card():
    model = recipes.li_mnist(labels=20, num_unlabeled=50_000)
    # 20 labels: C's part 500, D's 400; an epoch is 50,000 / 500 = 100 steps.
    assert model.pseudo_labeled_fraction == pytest.approx(400 / 900)
    assert model.discriminator_labeled_batch_size == 1
    assert model.generated_batch_size == 200
    assert model.pseudo_discriminative_start == 299 * 100
    assert not model.initialize_discriminator
    for name in ("d_optimizer", "g_optimizer", "c_optimizer"):
        optimizer = getattr(model, name)
        assert adam_settings(optimizer) == (0.5, 0.999, 1e-8)
        schedule = optimizer._learning_rate
        assert isinstance(schedule, keras_sslgan.HoldThenStepDecay)
        assert (schedule.base, schedule.hold_steps, schedule.decay_steps) == (1e-3, 30_000, 100)
        assert schedule.decay_rate == 0.995
    assert model.c_optimizer.use_ema and model.c_optimizer.ema_momentum == 0.99
    assert model.classifier_network.name == "conv_classifier"
    logit = model.discriminator.get_layer("logit")
    assert not logit.train_scale
    # The label twice before the second layer: 1000 + 10 + 10 inputs.
    assert model.discriminator.get_layer("dense_1").kernel.shape == (1020, 500)
    norms = [layer for layer in model.generator.layers if "batch_norm" in layer.name]
    assert [(n.scale, n.epsilon, n.momentum) for n in norms] == [(True, 1e-4, 0.9)] * 2

    # The budget card: the authors' networks, a schedule over `steps`, G's batch of 50.
    budget = recipes.li_mnist("mlp", budget=True, steps=1000)
    assert budget.pseudo_discriminative_start == 300 and budget.generated_batch_size == 50
    assert budget.pseudo_labeled_fraction == 0.5 and not budget.initialize_discriminator
    assert budget.discriminator.get_layer("dense_1").kernel.shape == (1020, 500)
    for setting in ("train_output_scale", "generator_batch_norm_epsilon", "learning_rate"):
        assert recipes.LI_MNIST_BUDGET[setting] == recipes.LI_MNIST[setting]
    assert isinstance(budget.g_optimizer._learning_rate, keras_sslgan.HoldThenLinearDecay)
    with pytest.raises(ValueError, match="bad_batch_size=7"):
        recipes.li_mnist(bad_batch_size=7)


def test_li_mnist_supervised_is_triple_gans_classifier_on_the_labels_alone():
    """`method="supervised"`: C with its initial weights in the game under the same seed,
    its optimizer (the budget card's rate, schedule and EMA), the terms given, none by
    default; the consistency term as for the games."""
    keras.utils.set_random_seed(3)
    game = recipes.li_mnist("conv", budget=True, steps=900, seed=3)
    keras.utils.set_random_seed(3)
    translate = keras.layers.RandomTranslation(0.1, 0.1, fill_mode="constant", seed=3)
    alone = recipes.li_mnist(
        "conv",
        method="supervised",
        budget=True,
        steps=900,
        learning_rate=3e-3,
        balance_weight=1.0,
        consistency_weight=10.0,
        consistency_rampup=300,
        augmentation=translate,
        seed=3,
    )
    assert isinstance(alone, keras_sslgan.SupervisedBaseline)
    for a, b in zip(alone.classifier_network.weights, game.classifier_network.weights, strict=True):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    assert (alone.entropy_weight, alone.balance_weight) == (0.0, 1.0)
    assert (alone.consistency_weight, alone.consistency_rampup) == (10.0, 300)
    assert alone.consistency_teacher == "mean_teacher" and alone.augmentation is translate
    optimizer = alone.c_optimizer
    assert adam_settings(optimizer) == adam_settings(game.c_optimizer)
    assert optimizer.use_ema and optimizer.ema_momentum == 0.99
    schedule = optimizer._learning_rate
    assert isinstance(schedule, keras_sslgan.HoldThenLinearDecay) and schedule.base == 3e-3
    plain = recipes.li_mnist("conv", method="supervised", budget=True, steps=900)
    assert (plain.entropy_weight, plain.balance_weight) == (0.0, 0.0)
    assert not plain.consistency_weight
    with pytest.raises(ValueError, match="`method` must be one of .*Received: method='bad_gan'"):
        recipes.li_mnist(method="bad_gan")
    with pytest.raises(ValueError, match="bad_batch_size=7 with method='supervised'"):
        recipes.li_mnist(method="supervised", bad_batch_size=7)


def test_fixmatch_on_grayscale_digits_in_every_mnist_recipe():
    """FixMatch's strong view (Keras' RandAugment and Cutout) on one-channel digits: a
    view that changes the pixels in training and passes them at inference, and a
    compiled step of the games and of FM-GAN with the term, where every example is
    confident at threshold 0."""
    strong = recipes.strong_augmentation((0, 1), 0.5, seed=0)
    x = np.random.default_rng(0).uniform(0, 1, (8, 28, 28, 1)).astype("float32")
    view = keras.ops.convert_to_numpy(strong(x, training=True))
    assert view.shape == x.shape and np.abs(view - x).max() > 0.1
    np.testing.assert_array_equal(strong(x, training=False), x)
    rng = np.random.default_rng(1)
    digits = rng.integers(0, 256, size=(20, 28, 28, 1), dtype="uint8")
    labels = np.arange(10)
    fixmatch = dict(
        consistency_weight=1.0,
        consistency_teacher="fixmatch",
        consistency_threshold=0.0,
        augmentation=keras.layers.RandomTranslation(0.1, 0.1, fill_mode="constant", seed=0),
        strong_augmentation=recipes.strong_augmentation((0, 1), 0.5, seed=0),
    )
    keras.utils.set_random_seed(0)
    games = recipes.li_mnist(
        "conv", method="good_bad_gan", budget=True, steps=10, generated_batch_size=10, **fixmatch
    )
    fixmatch.update(strong_augmentation=recipes.strong_augmentation((0, 1), 0.5, seed=0))
    fixmatch.update(augmentation=None)
    fm_gan = recipes.salimans_mnist(budget=True, steps=10, generated_batch_size=10, **fixmatch)
    for model in (games, fm_gan):
        assert model.consistency_teacher == "fixmatch" and model.consistency_threshold == 0.0
        history = model.fit(
            (digits[:10], labels), digits, batch_size=10, labeled_batch_size=10, verbose=0
        )
        assert np.isfinite(history.history["consistency_loss"][-1])
        assert history.history["pseudo_label_rate"][-1] == 1.0


def test_a_paper_step_with_the_authors_schedule_trains():
    """The authors' Triple-GAN card makes a training step (its schedule and batches)."""
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, size=(40, 28, 28, 1), dtype="uint8")
    y = np.arange(40) % 10
    keras.utils.set_random_seed(0)
    model = recipes.li_mnist("mlp", labels=20, num_unlabeled=40, generated_batch_size=20)
    model.fit((x[:20], y[:20]), x, batch_size=20, labeled_batch_size=10, epochs=1, verbose=0)
    assert model.training_step() == 2
