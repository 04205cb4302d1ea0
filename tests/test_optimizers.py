"""FusedAdam against Keras' Adam and against Adam's formula computed by hand."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_sslgan.optimizers import FusedAdam

SHAPES = [(7, 5), (5,), (3, 4, 2)]


def variables(rng, dtype="float32"):
    return [keras.Variable(rng.normal(size=s).astype(dtype)) for s in SHAPES]


def run(optimizer, values, grads, steps):
    step = tf.function(lambda g: optimizer.apply(g, values))
    for g in grads[:steps]:
        step(g)
    return [v.numpy() for v in values]


@pytest.mark.parametrize("use_ema", [False, True])
def test_fused_adam_makes_keras_adams_steps(rng, use_ema):
    """Five steps of FusedAdam equal Keras' Adam's, weights and moving averages, with a
    learning rate that changes every step."""
    grads = [[rng.normal(size=s).astype("float32") for s in SHAPES] for _ in range(5)]
    start = variables(rng)
    results = []
    for cls in (keras.optimizers.Adam, FusedAdam):
        values = [keras.Variable(v.numpy()) for v in start]
        schedule = keras.optimizers.schedules.ExponentialDecay(0.01, 1, 0.7)
        optimizer = cls(schedule, beta_1=0.5, beta_2=0.99, epsilon=1e-3, use_ema=use_ema)
        optimizer.build(values)
        results.append(run(optimizer, values, grads, 5))
        if use_ema:
            results.append([a.numpy() for a in optimizer._model_variables_moving_average])
    half = len(results) // 2
    for keras_values, fused_values in zip(results[:half], results[half:]):
        for a, b in zip(keras_values, fused_values):
            np.testing.assert_allclose(b, a, rtol=0, atol=2e-6)
    # The steps moved the weights well beyond that tolerance.
    assert max(np.abs(a - s.numpy()).max() for a, s in zip(results[half], start)) > 0.02


def test_fused_adam_two_steps_by_hand():
    """Adam's update (Kingma and Ba 2015, Algorithm 1), for one weight, two steps."""
    x = keras.Variable(np.array([1.0, -2.0], "float32"))
    optimizer = FusedAdam(
        0.1, beta_1=0.5, beta_2=0.75, epsilon=0.01, use_ema=True, ema_momentum=0.9
    )
    optimizer.build([x])
    x0, m, v, average = np.array([1.0, -2.0]), 0.0, 0.0, None
    for t, g in enumerate((np.array([0.5, -1.0]), np.array([2.0, 0.25])), start=1):
        optimizer.apply([g.astype("float32")], [x])
        m = 0.5 * m + 0.5 * g
        v = 0.75 * v + 0.25 * g**2
        x0 = x0 - 0.1 * (m / (1 - 0.5**t)) / (
            np.sqrt(v / (1 - 0.75**t)) + 0.01 / np.sqrt(1 - 0.75**t)
        )
        # The average is the weights after the first step, then moves 1/10 of the way.
        average = x0 if average is None else 0.9 * average + 0.1 * x0
        np.testing.assert_allclose(x.numpy(), x0, rtol=1e-6)
        np.testing.assert_allclose(
            optimizer._model_variables_moving_average[0].numpy(), average, rtol=1e-6
        )


def test_fused_adam_falls_back_to_keras_where_the_kernel_does_not_apply(rng):
    """amsgrad and float16 variables take Keras' update, with the same results."""
    grads = [[rng.normal(size=s).astype("float32") for s in SHAPES] for _ in range(3)]
    for kwargs, dtype in (({"amsgrad": True}, "float32"), ({}, "float16")):
        start = variables(rng, dtype)
        results = []
        for cls in (keras.optimizers.Adam, FusedAdam):
            values = [keras.Variable(v.numpy(), dtype=dtype) for v in start]
            optimizer = cls(0.01, use_ema=True, **kwargs)
            optimizer.build(values)
            g = [[tf.constant(x, dtype) for x in step] for step in grads]
            results.append(run(optimizer, values, g, 3))
        for a, b in zip(*results):
            np.testing.assert_array_equal(b, a)


def test_fused_adam_round_trips_its_config():
    optimizer = FusedAdam(0.002, beta_1=0.5, epsilon=1e-4, use_ema=True, ema_momentum=0.99)
    config = keras.saving.serialize_keras_object(optimizer)
    copy = keras.saving.deserialize_keras_object(config)
    assert type(copy) is FusedAdam
    assert copy.get_config() == optimizer.get_config()


def test_fused_adam_runs_tensorflows_kernels(rng):
    """The traced update holds one `ResourceApplyAdam` per variable and one
    `ResourceApplyGradientDescent` per moving average, and no other variable writes."""
    values = variables(rng)
    optimizer = FusedAdam(0.01, use_ema=True)
    optimizer.build(values)
    grads = [tf.constant(rng.normal(size=s).astype("float32")) for s in SHAPES]
    graph = tf.function(lambda: optimizer.apply(grads, values)).get_concrete_function().graph
    ops = [op.type for op in graph.get_operations()]
    assert ops.count("ResourceApplyAdam") == len(SHAPES)
    assert ops.count("ResourceApplyGradientDescent") == len(SHAPES)
    writes = [op for op in ops if op.startswith("AssignVariableOp") or "AssignAdd" in op]
    assert len(writes) == 1  # the step counter
