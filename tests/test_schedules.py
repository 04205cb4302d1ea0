import keras
import numpy as np
import pytest

import keras_sslgan


def test_hold_then_linear_decay_by_hand():
    schedule = keras_sslgan.HoldThenLinearDecay(3e-3, total_steps=900)
    # Flat for the first 600 steps, then 3e-3 * 3 * (1 - step / 900) down to 0.
    steps = [0, 599, 600, 750, 899, 900, 1000]
    expected = [3e-3, 3e-3, 3e-3, 1.5e-3, 1e-5, 0.0, 0.0]
    got = [float(schedule(step)) for step in steps]
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-9)
    clone = keras.optimizers.schedules.deserialize(keras.optimizers.schedules.serialize(schedule))
    assert isinstance(clone, keras_sslgan.HoldThenLinearDecay)
    assert float(clone(750)) == pytest.approx(1.5e-3)


def test_decay_fraction_by_hand():
    # Decay over the last half of 1000 steps: flat to step 500, then 2e-3 * 2 * (1 - s / 1000).
    schedule = keras_sslgan.HoldThenLinearDecay(2e-3, total_steps=1000, decay_fraction=0.5)
    got = [float(schedule(step)) for step in [0, 500, 750, 900, 1000]]
    np.testing.assert_allclose(got, [2e-3, 2e-3, 1e-3, 4e-4, 0.0], rtol=1e-5, atol=1e-9)
    clone = keras_sslgan.HoldThenLinearDecay.from_config(schedule.get_config())
    assert float(clone(900)) == pytest.approx(4e-4)
    # decay_fraction=1: linear from the first step.
    linear = keras_sslgan.HoldThenLinearDecay(1e-3, total_steps=10, decay_fraction=1.0)
    assert float(linear(4)) == pytest.approx(6e-4)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"base": 0}, "base=0"),
        ({"total_steps": 0}, "total_steps=0"),
        ({"decay_fraction": 0}, "decay_fraction=0"),
        ({"decay_fraction": 1.5}, "decay_fraction=1.5"),
    ],
)
def test_hold_then_linear_decay_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        keras_sslgan.HoldThenLinearDecay(**{"base": 1e-3, "total_steps": 10, **kwargs})


def test_default_decay_is_bitwise_the_dai_et_al_formula():
    """decay_fraction=1/3 is exactly `base * clip(3 * (1 - step / T))` in float32."""
    schedule = keras_sslgan.HoldThenLinearDecay(3e-3, total_steps=900)
    steps = np.arange(580, 901, dtype="float32")
    got = keras.ops.convert_to_numpy(schedule(steps))
    progress = steps / np.float32(900)
    expected = 3e-3 * np.clip(np.float32(3.0) * (np.float32(1.0) - progress), 0.0, 1.0)
    np.testing.assert_array_equal(got, expected.astype("float32"))


def test_hold_then_step_decay_is_li_et_al_s_per_epoch_annealing():
    """Epochs of 10 steps, held for 3 epochs, then x0.5 at the end of each epoch: epoch e
    (from 1) trains at base * 0.5 ** max(0, e - 3), as the authors' loop sets it."""
    schedule = keras_sslgan.HoldThenStepDecay(1e-3, hold_steps=30, decay_steps=10, decay_rate=0.5)
    steps = [0, 29, 30, 39, 40, 55]
    expected = [1e-3, 1e-3, 5e-4, 5e-4, 2.5e-4, 1.25e-4]
    np.testing.assert_allclose([float(schedule(s)) for s in steps], expected, rtol=1e-6)
    clone = keras.optimizers.schedules.deserialize(keras.optimizers.schedules.serialize(schedule))
    assert isinstance(clone, keras_sslgan.HoldThenStepDecay)
    assert float(clone(40)) == pytest.approx(2.5e-4)
    for kwargs, match in (
        ({"base": 0.0}, "base=0.0"),
        ({"hold_steps": -1}, "hold_steps=-1"),
        ({"decay_steps": 0}, "decay_steps=0"),
        ({"decay_rate": 1.5}, "decay_rate=1.5"),
    ):
        arguments = {**dict(base=1e-3, hold_steps=0, decay_steps=1, decay_rate=0.9), **kwargs}
        with pytest.raises(ValueError, match=match):
            keras_sslgan.HoldThenStepDecay(**arguments)
