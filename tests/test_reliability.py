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
from helpers import (
    NUM_CLASSES,
    SHAPE,
    make_mnist_model,
    synthetic_images,
    tiny_discriminator,
    tiny_generator,
)

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


def mnist_recipe(seed):
    keras.utils.set_random_seed(seed)
    return keras_sslgan.recipes.salimans_mnist(seed=seed)


def test_a_save_killed_part_way_leaves_the_previous_file_whole(tmp_path):
    """SIGKILL 20 and 150 ms into saves of a 33 MB model over a good file (saves of the
    model, and of its weights as `BackupAndRestore` writes them): each time the file
    loads, holding one of the two models whole."""
    images = np.random.default_rng(0).integers(0, 256, (5, 28, 28, 1)).astype("uint8")
    old, new = mnist_recipe(0), mnist_recipe(1)
    expected = [m.predict(images, verbose=0) for m in (old, new)]
    kills = [(suffix, delay) for suffix in (".keras", ".weights.h5") for delay in (0.02, 0.15)]
    paths = [str(tmp_path / f"{delay}{suffix}") for suffix, delay in kills]
    for path in paths:
        old.save(path) if path.endswith(".keras") else old.save_weights(path)
    jobs = [
        subprocess.Popen(
            [sys.executable, os.path.join(HERE, "save_job.py"), path, "1"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for path in paths
    ]
    for job, (_, delay) in zip(jobs, kills):
        assert job.stdout.readline().strip() == b"ready", job.stderr.read().decode()[-3000:]
        time.sleep(delay)  # the job saves over and over: the kill lands in a save
        job.send_signal(signal.SIGKILL)
        job.wait(timeout=60)
    for path in paths:
        if path.endswith(".keras"):
            loaded = keras.saving.load_model(path)
        else:
            loaded = mnist_recipe(2)
            loaded.load_weights(path)
        predicted = loaded.predict(images, verbose=0)
        assert any(np.array_equal(predicted, e) for e in expected), path


def tiny_gan(seed=0):
    keras.utils.set_random_seed(0)
    model = keras_sslgan.FeatureMatchingGAN(
        tiny_generator(),
        tiny_discriminator(),
        NUM_CLASSES,
        preprocessing=keras.layers.Rescaling(1 / 255),
        seed=seed,
    )
    model.compile(
        d_optimizer=keras.optimizers.Adam(1e-3, use_ema=True, ema_momentum=0.9),
        g_optimizer=keras.optimizers.Adam(1e-3),
    )
    return model


def fit_tiny(model, backup_dir, epochs=3, stop_at=None, batch_size=20, data_seed=0):
    """Three epochs of 3 steps on `synthetic_images` with a `BackupAndRestore`;
    `stop_at=E` raises `KeyboardInterrupt` as epoch E begins."""

    class Stop(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            if epoch == stop_at:
                raise KeyboardInterrupt

    x, y = synthetic_images(seed=data_seed)
    callbacks = [keras.callbacks.BackupAndRestore(str(backup_dir)), Stop()]
    model.fit(
        (x[:12], y[:12]), x, batch_size=batch_size, epochs=epochs, callbacks=callbacks, verbose=0
    )
    return [np.asarray(v) for v in model.weights]


def test_a_backup_of_another_run_or_without_its_weights_is_refused(tmp_path):
    backup = tmp_path / "backup"
    with pytest.raises(KeyboardInterrupt):
        fit_tiny(tiny_gan(), backup, stop_at=2)
    for kwargs, named in (
        ({"batch_size": 15}, "batch_size 20 -> 15, steps_per_epoch 3 -> 4"),
        ({"data_seed": 1}, "Differences .*: labeled '[0-9a-f]+' -> '[0-9a-f]+', unlabeled"),
    ):
        with pytest.raises(ValueError, match=named):
            fit_tiny(tiny_gan(), backup, **kwargs)
    with pytest.raises(ValueError, match="seed 0 -> 1"):
        fit_tiny(tiny_gan(seed=1), backup)
    other = keras_sslgan.FeatureMatchingGAN(
        tiny_generator(),
        tiny_discriminator(head="k_plus_one"),
        NUM_CLASSES,
        head="k_plus_one",
        preprocessing=keras.layers.Rescaling(1 / 255),
        seed=0,
    )
    other.compile(keras.optimizers.Adam(), keras.optimizers.Adam())
    with pytest.raises(ValueError, match="variables"):
        fit_tiny(other, backup)
    fit_tiny(tiny_gan(), backup, epochs=3, stop_at=3)  # the run itself resumes
    assert not backup.exists()  # ended: Keras removed the backup

    with pytest.raises(KeyboardInterrupt):
        fit_tiny(tiny_gan(), backup, stop_at=2)
    os.remove(backup / "latest.weights.h5")
    with pytest.raises(ValueError, match="epoch record but no weights file"):
        fit_tiny(tiny_gan(), backup)


def test_a_backup_whose_epoch_record_is_stale_or_unreadable_resumes_from_its_weights(tmp_path):
    """Killed between the backup's two writes (weights, then the epoch record), or with
    the record left empty by a full disk: the run resumes at the weights' epoch and ends
    as an uninterrupted one."""
    tf.config.experimental.enable_op_determinism()
    straight = fit_tiny(tiny_gan(), tmp_path / "straight")
    for record in ('{"epoch": 1, "batch": 0}', ""):
        backup = tmp_path / "backup"
        with pytest.raises(KeyboardInterrupt):
            fit_tiny(tiny_gan(), backup, stop_at=2)  # epochs 0 and 1 backed up
        (backup / "training_metadata.json").write_text(record)
        for a, b in zip(straight, fit_tiny(tiny_gan(), backup), strict=True):
            np.testing.assert_array_equal(a, b)


@pytest.fixture
def small_disk(tmp_path):
    """A 2 MB tmpfs (root only; skipped elsewhere)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)])
    if done.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    yield mount
    subprocess.run(["umount", str(mount)], check=True)


def fill(folder, leave_bytes):
    """Fills the file system of `folder` with a file, up to `leave_bytes` free."""
    stats = os.statvfs(folder)
    with open(folder / "filler", "wb") as f:
        f.write(b"\0" * max(stats.f_bavail * stats.f_frsize - leave_bytes, 0))


def test_a_full_disk_leaves_the_saved_model_and_the_backup_whole(small_disk, tmp_path):
    tf.config.experimental.enable_op_determinism()
    x, _ = synthetic_images()
    model = tiny_gan()
    path = small_disk / "model.keras"
    model.save(path)
    expected = model.predict(x, verbose=0)
    fit_tiny(model, tmp_path / "unused", epochs=1)
    fill(small_disk, leave_bytes=4096)
    with pytest.raises(OSError):
        model.save(path)
    np.testing.assert_array_equal(keras.saving.load_model(path).predict(x, verbose=0), expected)
    assert sorted(os.listdir(small_disk)) == ["filler", "model.keras"]  # no partial file
    os.remove(small_disk / "filler")
    os.remove(path)

    # The disk fills up after the first epoch's backup: the second's fails, the first
    # stays; with room again, the run resumes from it and ends as an uninterrupted one.
    straight = fit_tiny(tiny_gan(), tmp_path / "straight")
    backup = small_disk / "backup"
    with pytest.raises(KeyboardInterrupt):
        fit_tiny(tiny_gan(), backup, stop_at=1)
    fill(small_disk, leave_bytes=4096)
    with pytest.raises(OSError):
        fit_tiny(tiny_gan(), backup)
    os.remove(small_disk / "filler")
    for a, b in zip(straight, fit_tiny(tiny_gan(), backup), strict=True):
        np.testing.assert_array_equal(a, b)


def test_a_truncated_file_is_named_and_load_model_needs_no_import_first(tmp_path):
    model = tiny_gan()
    path = tmp_path / "model.keras"
    model.save(path)
    x, _ = synthetic_images()
    loaded = keras_sslgan.load_model(path)
    assert type(loaded) is keras_sslgan.FeatureMatchingGAN
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    truncated = tmp_path / "truncated.keras"
    truncated.write_bytes(path.read_bytes()[:18_000])
    with pytest.raises(ValueError, match=r"truncated.keras is not a whole .keras file.*18000"):
        keras_sslgan.load_model(truncated)
    # In a fresh process, keras_sslgan.load_model is the one call a user needs.
    code = f"import keras_sslgan; print(type(keras_sslgan.load_model({str(path)!r})).__name__)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.strip() == "FeatureMatchingGAN", done.stderr[-2000:]


def test_divergence_guard_and_infinite_data_are_named():
    model = tiny_gan()
    x, y = synthetic_images()
    model.d_optimizer.learning_rate.assign(50.0)  # grows the loss past 10 in a few steps
    guard = keras_sslgan.StopOnNonFiniteLoss(max_loss=10.0)
    with pytest.raises(FloatingPointError, match=r"beyond max_loss=10, at training step \d+"):
        model.fit((x[:12], y[:12]), x, batch_size=20, epochs=20, callbacks=[guard], verbose=0)
    with pytest.raises(ValueError, match="max_loss=0"):
        keras_sslgan.StopOnNonFiniteLoss(max_loss=0)
    forever = tf.data.Dataset.from_tensor_slices(((x[:12], y[:12]), x[:12])).batch(4).repeat()
    with pytest.raises(ValueError, match="never ends .* pass `steps_per_epoch`"):
        model.fit(forever, epochs=1, verbose=0)
    model.fit(forever, epochs=1, steps_per_epoch=2, verbose=0)


def test_a_model_saved_before_compile_loads_uncompiled(tmp_path):
    keras.utils.set_random_seed(0)
    model = keras_sslgan.FeatureMatchingGAN(
        tiny_generator(), tiny_discriminator(), NUM_CLASSES, seed=0
    )
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras_sslgan.load_model(path)
    assert not loaded._is_compiled()
    for a, b in zip(model.weights, loaded.weights, strict=True):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    with pytest.raises(RuntimeError, match=r"call `compile\(d_optimizer=..., g_optimizer=...\)`"):
        loaded.fit((np.zeros((3,) + SHAPE), [0, 1, 2]), np.zeros((6,) + SHAPE), batch_size=3)
