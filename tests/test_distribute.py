"""SSLGAN under tf.distribute, on CPU: 2 logical devices, and 2 workers on 127.0.0.1."""

import json
import os
import socket
import subprocess
import sys

import numpy as np
import pytest

JOB = os.path.join(os.path.dirname(os.path.abspath(__file__)), "distribute_job.py")


def run(args, env=None, timeout=300):
    return subprocess.run(
        [sys.executable, JOB, *args], env=env, capture_output=True, timeout=timeout, text=True
    )


def assert_same_step(r, min_weights):
    """The weights after one step on 1 device (`one_i`) and on 2 replicas (`mirrored_i`)
    agree, and the step moved them (so the comparison means something)."""
    assert int(r["one_replicas"]) == 1 and int(r["mirrored_replicas"]) == 2
    count = len([k for k in r.files if k.startswith("one_") and k != "one_replicas"])
    assert count > min_weights
    moved = 0.0
    for i in range(count):
        np.testing.assert_allclose(r[f"mirrored_{i}"], r[f"one_{i}"], atol=1e-5, rtol=0)
        moved = max(moved, float(np.abs(r[f"one_{i}"] - r[f"before_{i}"]).max()))
    assert moved > 1e-3


def test_two_mirrored_replicas_make_the_step_of_one_device(tmp_path):
    out = str(tmp_path / "parity.npz")
    done = run(["parity", out])
    assert done.returncode == 0, done.stderr[-3000:]
    with np.load(out) as r:
        assert_same_step(r, min_weights=10)
        # Two replicas drawing 6 labels and 6 noise rows each draw the 12 of one device.
        for draw in ("labels", "noise"):
            one, mirrored = r[f"draw_{draw}_one"], r[f"draw_{draw}_mirrored"]
            assert len(one) == 12
            np.testing.assert_array_equal(mirrored, one)
        assert len(set(r["draw_labels_one"])) == 2  # both classes drawn


@pytest.mark.slow  # 25-35 s each; FM-GAN's replica test stays in the default run
def test_a_triple_gan_step_on_two_replicas_is_the_step_of_one_device(tmp_path):
    """Same pairs for D, balanced labels and noise for G, global batch norm and class
    balance for C: two replicas update the three networks as one device does."""
    out = str(tmp_path / "triple.npz")
    done = run(["triple", out])
    assert done.returncode == 0, done.stderr[-3000:]
    with np.load(out) as r:
        assert_same_step(r, min_weights=20)


def test_the_mean_teacher_term_on_two_replicas_is_the_step_of_one_device(tmp_path):
    """3 steps of FM-GAN with the consistency term (the teacher: D's moving average,
    mirrored): two replicas update the networks as one device does."""
    out = str(tmp_path / "consistency.npz")
    done = run(["consistency", out])
    assert done.returncode == 0, done.stderr[-3000:]
    with np.load(out) as r:
        assert_same_step(r, min_weights=10)
        # The term acted (the teacher differs from the student after the 1st step), and
        # its logged mean over the global batch is the same.
        assert float(r["consistency_one"]) > 1e-6
        np.testing.assert_allclose(r["consistency_mirrored"], r["consistency_one"], rtol=1e-4)


def test_the_fixmatch_term_on_two_replicas_is_the_step_of_one_device(tmp_path):
    """3 steps of FM-GAN with FixMatch's term, the weak and strong views drawn by Keras'
    random layers for the global batch: two replicas see the views one device sees and
    update the networks as it does (each replica drew the same noise for its own
    examples before)."""
    out = str(tmp_path / "fixmatch.npz")
    done = run(["fixmatch", out])
    assert done.returncode == 0, done.stderr[-3000:]
    with np.load(out) as r:
        assert_same_step(r, min_weights=10)
        assert float(r["consistency_one"]) > 1e-6
        np.testing.assert_allclose(r["consistency_mirrored"], r["consistency_one"], rtol=1e-4)
        assert 0 < float(r["pseudo_label_rate_one"]) <= 1
        np.testing.assert_allclose(
            r["pseudo_label_rate_mirrored"], r["pseudo_label_rate_one"], rtol=1e-6
        )


def test_the_class_balance_loss_across_replicas_is_that_of_one_device(tmp_path):
    """Logits 200 apart, one example per replica: the loss and its gradient are one
    device's, finite (the shift by the replicas' mean maximum overflowed to -inf)."""
    out = str(tmp_path / "balance.npz")
    done = run(["balance", out])
    assert done.returncode == 0, done.stderr[-3000:]
    with np.load(out) as r:
        # By hand: mean p = (1/2, 1/2) to float32 precision, so L = log 2.
        assert float(r["loss_one"]) == pytest.approx(np.log(2), rel=1e-6)
        np.testing.assert_allclose(r["loss_mirrored"], r["loss_one"], rtol=1e-6)
        assert np.all(np.isfinite(r["gradient_one"]))
        np.testing.assert_allclose(r["gradient_mirrored"], r["gradient_one"], atol=1e-7)


def test_classifier_pretraining_on_two_replicas_is_the_step_of_one_device(tmp_path):
    """`pretrain_classifier` builds its model in the model's strategy scope (it failed
    with `TypeError: tuple indices must be integers or slices, not MirroredVariable`)."""
    out = str(tmp_path / "pretrain.npz")
    done = run(["pretrain", out])
    assert done.returncode == 0, done.stderr[-3000:]
    with np.load(out) as r:
        assert_same_step(r, min_weights=3)


@pytest.mark.slow  # 25-35 s each; FM-GAN's replica test stays in the default run
def test_a_bad_gan_step_on_two_replicas_is_the_step_of_one_device(tmp_path):
    """The pull-away and low-density terms of the global generated batch (all-gathered):
    two replicas update both networks as one device does."""
    out = str(tmp_path / "bad.npz")
    done = run(["bad", out])
    assert done.returncode == 0, done.stderr[-3000:]
    with np.load(out) as r:
        assert_same_step(r, min_weights=10)
        for term in ("low_density", "pull_away"):
            assert float(r[f"{term}_one"]) > 0
            assert float(r[f"{term}_mirrored"]) == pytest.approx(float(r[f"{term}_one"]), rel=1e-5)


@pytest.mark.slow  # 25-35 s each; FM-GAN's replica test stays in the default run
def test_a_good_bad_gan_step_on_two_replicas_is_the_step_of_one_device(tmp_path):
    """Triple-GAN's step, then C's real/fake loss and the bad generator's global feature
    means and pull-away term: two replicas update the four networks as one device does."""
    out = str(tmp_path / "good_bad.npz")
    done = run(["good_bad", out])
    assert done.returncode == 0, done.stderr[-3000:]
    with np.load(out) as r:
        assert_same_step(r, min_weights=25)


def free_ports(n):
    sockets = [socket.socket() for _ in range(n)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def test_loss_scale_steps_on_two_replicas_skip_overflows_and_count_them(tmp_path):
    """mixed_float16 on 2 replicas: two steps whose float16 gradients overflow are both
    skipped (the discriminator's weights stay, its scale halves twice) and both counted
    in the steps made."""
    out = str(tmp_path / "loss_scale.npz")
    done = run(["loss_scale", out])
    assert done.returncode == 0, done.stderr[-3000:]
    with np.load(out) as r:
        assert int(r["replicas"]) == 2 and bool(r["wrapped"])
        assert int(r["steps"]) == 2 and float(r["scale"]) == 2.0**118
        discriminator = len([k for k in r.files if k.startswith("before_")])
        assert discriminator > 4
        for i in range(4):  # the discriminator's first weights: unchanged
            np.testing.assert_array_equal(r[f"after_{i}"], r[f"before_{i}"])


def test_two_workers_on_loopback_end_with_identical_weights(tmp_path):
    workers = [f"127.0.0.1:{port}" for port in free_ports(2)]
    processes = []
    try:
        for index in range(2):
            env = dict(os.environ)
            env["TF_CONFIG"] = json.dumps(
                {"cluster": {"worker": workers}, "task": {"type": "worker", "index": index}}
            )
            env["CUDA_VISIBLE_DEVICES"] = ""
            processes.append(
                subprocess.Popen(
                    [sys.executable, JOB, "worker", str(tmp_path / f"worker{index}.npz")],
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                    text=True,
                )
            )
        for p in processes:
            _, err = p.communicate(timeout=300)
            assert p.returncode == 0, err[-3000:]
    finally:
        for p in processes:
            if p.poll() is None:
                p.kill()
                p.wait()

    with np.load(tmp_path / "worker0.npz") as a, np.load(tmp_path / "worker1.npz") as b:
        assert int(a["replicas"]) == 2 and int(b["replicas"]) == 2
        keys = [k for k in a.files if k.isdigit()]
        assert len(keys) > 10
        for k in keys:
            np.testing.assert_array_equal(a[k], b[k])
        np.testing.assert_array_equal(a["d_loss"], b["d_loss"])
        assert len(a["d_loss"]) == 3 and abs(a["d_loss"][-1] - a["d_loss"][0]) > 1e-3
        # Each worker gets its own half of the global batch: no example twice in a step.
        for part in ("labeled", "unlabeled"):
            mine, theirs = a[f"first_{part}"], b[f"first_{part}"]
            whole = a[f"global_{part}"]
            assert len(mine) == len(theirs) == len(whole) // 2
            rows = {tuple(r) for r in whole}
            assert {tuple(r) for r in mine} | {tuple(r) for r in theirs} == rows
            assert len(rows) == len(whole)  # the global batch itself has no repeats


def test_fused_adam_on_two_replicas_is_keras_adam_on_one_device(tmp_path):
    """FusedAdam's kernels update each replica's copy inside tf.distribute's update call:
    3 steps on 2 replicas equal 3 on one device, and both equal Keras' Adam (the
    discriminator's weights are its EMA after `fit`)."""
    out = str(tmp_path / "fused.npz")
    done = run(["fused_adam", out])
    assert done.returncode == 0, done.stderr[-3000:]
    with np.load(out) as r:
        assert_same_step(r, min_weights=10)
        count = len([k for k in r.files if k.startswith("keras_")])
        assert count == len([k for k in r.files if k.startswith("before_")])
        for i in range(count):
            np.testing.assert_allclose(r[f"one_{i}"], r[f"keras_{i}"], atol=1e-5, rtol=0)
