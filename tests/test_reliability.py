"""Nothing lost: save/load, kill and resume, divergence, determinism."""

import os
import signal
import subprocess
import sys
import time

import keras
import numpy as np
import pytest
import tensorflow as tf
from helpers import make_mnist_model

import keras_sslgan

HERE = os.path.dirname(os.path.abspath(__file__))
EPOCHS = 6


def run_job(workdir, delay=0.0):
    return subprocess.Popen(
        [
            sys.executable,
            os.path.join(HERE, "resume_job.py"),
            str(workdir),
            str(EPOCHS),
            str(delay),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def read_log(workdir):
    path = os.path.join(workdir, "log")
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [line.split() for line in f.read().splitlines() if line]


def load_final(workdir):
    with np.load(os.path.join(workdir, "final.npz")) as data:
        return {key: data[key] for key in data.files}


def test_training_resumes_after_sigkill_exactly(tmp_path):
    # The reference: one uninterrupted run.
    straight = tmp_path / "straight"
    straight.mkdir()
    job = run_job(straight)
    assert job.wait(timeout=300) == 0, job.stderr.read().decode()[-3000:]

    # Killed with SIGKILL in the middle of epoch 3 (epochs 0-2 done and backed up).
    killed = tmp_path / "killed"
    killed.mkdir()
    job = run_job(killed, delay=0.05)
    deadline = time.time() + 300
    while ["batch", "3", "2"] not in read_log(killed):
        assert job.poll() is None, "the job ended before it could be killed"
        assert time.time() < deadline, "the job did not reach epoch 3"
        time.sleep(0.05)
    job.send_signal(signal.SIGKILL)
    assert job.wait(timeout=60) == -signal.SIGKILL
    first = read_log(killed)
    assert ["end", "2"] in first and ["end", "3"] not in first

    job = run_job(killed)  # the same command, restarted
    assert job.wait(timeout=300) == 0, job.stderr.read().decode()[-3000:]
    second = read_log(killed)[len(first) :]
    begun = [int(line[1]) for line in second if line[0] == "begin"]
    ended = [int(line[1]) for line in first + second if line[0] == "end"]
    assert begun == list(range(3, EPOCHS)), "resumed at the wrong epoch"
    assert ended == list(range(EPOCHS)), "an epoch was lost or repeated"

    expected, got = load_final(straight), load_final(killed)
    assert expected.keys() == got.keys()
    for key in expected:
        np.testing.assert_array_equal(got[key], expected[key], err_msg=key)


def test_keras_file_round_trip_keeps_everything(mnist_small, tmp_path):
    (x_l, y_l), x_u, (x_test, _) = mnist_small
    model = make_mnist_model(head="k_plus_one", generated_batch_size=30, entropy_weight=0.2)
    model.fit((x_l, y_l), x_u[:300], batch_size=50, epochs=1, verbose=0)
    path = str(tmp_path / "model.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)

    assert (loaded.head, loaded.num_classes, loaded.generated_batch_size) == ("k_plus_one", 10, 30)
    assert (loaded.unlabeled_weight, loaded.entropy_weight) == (1.0, 0.2)
    np.testing.assert_array_equal(
        loaded.predict(x_test, verbose=0), model.predict(x_test, verbose=0)
    )
    for name in ("d_optimizer", "g_optimizer"):
        for a, b in zip(getattr(model, name).variables, getattr(loaded, name).variables):
            np.testing.assert_array_equal(np.asarray(a), np.asarray(b), err_msg=f"{name} {a.path}")
    assert int(loaded.d_optimizer.iterations) == 6
    states = keras_sslgan.engine.state.seed_states
    assert len(states(model)) == 1 + 6  # the model's own, and the six noise layers'
    for a, b in zip(states(model), states(loaded), strict=True):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))

    # Training goes on from where it stopped, as it would have in the original model.
    for m in (model, loaded):
        m.fit((x_l, y_l), x_u[:300], batch_size=50, epochs=2, initial_epoch=1, verbose=0)
    assert int(loaded.d_optimizer.iterations) == 12
    for a, b in zip(model.discriminator.weights, loaded.discriminator.weights):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), atol=1e-5, err_msg=a.path)


def test_divergence_stops_with_the_loss_and_step_and_keeps_checkpoint(mnist_small, tmp_path):
    (x_l, y_l), x_u, _ = mnist_small
    model = make_mnist_model()
    checkpoint = str(tmp_path / "last.weights.h5")
    save = keras.callbacks.ModelCheckpoint(checkpoint, save_weights_only=True)
    model.fit((x_l, y_l), x_u[:200], batch_size=50, epochs=1, callbacks=[save], verbose=0)
    saved = os.path.getmtime(checkpoint), open(checkpoint, "rb").read()

    # A learning rate of 1e30 sends the weights to inf within a few steps.
    model.d_optimizer.learning_rate.assign(1e30)
    with pytest.raises(
        FloatingPointError, match=r"`\w+_loss` became (nan|inf) at training step \d+"
    ):
        model.fit(
            (x_l, y_l),
            x_u[:200],
            batch_size=50,
            epochs=3,
            initial_epoch=1,
            callbacks=[save],
            verbose=0,
        )
    assert (os.path.getmtime(checkpoint), open(checkpoint, "rb").read()) == saved


def test_same_seed_same_split_noise_and_weights(mnist_small):
    (x_l, y_l), x_u, _ = mnist_small
    x, y = np.concatenate([x_u, x_l]), np.concatenate([np.zeros(1000, "int32") + 0, y_l])
    y[:1000] = np.arange(1000) % 10

    def run(seed):
        keras.utils.set_random_seed(seed)
        tf.config.experimental.enable_op_determinism()
        (xl, yl), _ = keras_sslgan.split_labeled(x, y, 50, seed=seed)
        model = make_mnist_model(seed=seed)
        noise = np.asarray(model.sample_latent(4))
        model.fit((xl, yl), x_u[:200], batch_size=50, epochs=1, verbose=0)
        return xl, noise, [np.asarray(w) for w in model.discriminator.weights]

    a, b, c = run(5), run(5), run(6)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    for wa, wb in zip(a[2], b[2]):
        np.testing.assert_array_equal(wa, wb)
    assert not np.array_equal(a[0], c[0]) and not np.array_equal(a[1], c[1])
