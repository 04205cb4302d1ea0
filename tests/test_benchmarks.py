"""The benchmark scripts: the MNIST run harness, the tables, the speed and GPU suites."""

import collections
import json
import os
import re
import threading

import keras
import numpy as np
import pytest
from helpers import load_benchmark

import keras_sslgan


@pytest.fixture
def mnist_run(monkeypatch):
    """The module `benchmarks/mnist_run.py` (the run harness of the MNIST tables)."""
    return load_benchmark("mnist_run", monkeypatch)


def test_mnist_run_runs_end_to_end(mnist_run, data_dir, tmp_path):
    mnist = mnist_run
    summary = mnist.main(
        [
            "--data-dir",
            os.path.join(data_dir, "mnist"),
            "--labels",
            "20",
            "--unlabeled",
            "600",
            "--epochs",
            "2",
            "--output-dir",
            str(tmp_path),
            "--verbose",
            "0",
            "--test-every-epoch",
        ]
    )
    assert 0.0 <= summary["test_accuracy"] <= 1.0 and summary["epochs"] == 2
    assert summary["steps"] == 2 * (600 // 100) and summary["budget"] is None
    assert summary["machine"].endswith(f", {len(os.sched_getaffinity(0))} cores")
    flags = open("/proc/cpuinfo").read().split()
    if "avx2" in flags:
        assert "(AVX2" in summary["machine"] or "(AVX-512" in summary["machine"]
    # bfloat16 arithmetic is named: the same model name covers processors with and
    # without it, and the product dtype's speed depends on it.
    assert ("AVX512_BF16" in summary["machine"]) == ("avx512_bf16" in flags)
    assert ("AMX" in summary["machine"]) == ("amx_bf16" in flags)
    assert summary["settings"]["product_dtype"] == "float32"  # the harness's default
    # The last per-epoch test figure (Keras' `evaluate`) is the final EMA model's, whose
    # confusion matrix gives the test accuracy: the swap callback puts the EMA weights
    # in for each evaluation, and fit leaves them in at the end.
    assert len(summary["test_accuracy_per_epoch"]) == 2
    final = summary["test_accuracy"]
    assert summary["test_accuracy_per_epoch"][-1] == pytest.approx(final, abs=1e-6)
    elapsed = summary["seconds_elapsed"]
    assert len(elapsed) == 2 and 0 < elapsed[0] < elapsed[1] <= summary["train_seconds"]
    # The confusion matrix's rows are the true digits of the 10,000 test images.
    _, (_, y_test) = keras_sslgan.datasets.mnist.load_data(os.path.join(data_dir, "mnist"))
    confusion = np.array(summary["test_confusion"])
    assert confusion.shape == (10, 10)
    assert confusion.sum(axis=1).tolist() == np.bincount(y_test).tolist()
    with open(tmp_path / "summary.json") as f:
        assert json.load(f)["labels"] == 20
    assert os.path.getsize(tmp_path / "generated.png") > 1_000


@pytest.mark.parametrize("classifier", ["mlp", pytest.param("conv", marks=pytest.mark.slow)])
def test_mnist_run_trains_triple_gan(mnist_run, data_dir, tmp_path, classifier):
    mnist = mnist_run
    summary = mnist.main(
        ["--data-dir", os.path.join(data_dir, "mnist"), "--method", "triple_gan"]
        + ["--classifier", classifier, "--pretrain-epochs", "1", "--labels", "20"]
        + ["--unlabeled", "400", "--epochs", "1", "--output-dir", str(tmp_path), "--verbose", "0"]
        + ["--test-every-epoch"]
    )
    assert summary["method"] == "triple_gan" and summary["settings"]["classifier"] == classifier
    # Triple-GAN's own defaults, not FM-GAN's.
    assert summary["d_learning_rate"] == 1e-3 and summary["ema_momentum"] == 0.99
    assert summary["batch_size"] == 200 and summary["entropy_weight"] == 0.3
    assert 0 < summary["pretrain_seconds"] < summary["train_seconds"]
    # C's test accuracy before the game, on the same 10,000 images as after it.
    assert 0 <= summary["pretrained_accuracy"] <= 1
    assert summary["pretrained_accuracy"] != summary["test_accuracy"]
    assert np.array(summary["test_confusion"]).sum() == 10_000
    assert os.path.getsize(tmp_path / "generated.png") > 1_000


@pytest.mark.slow  # the benchmark harness, not the library
def test_mnist_run_trains_bad_gan(mnist_run, data_dir, tmp_path):
    mnist = mnist_run
    summary = mnist.main(
        ["--data-dir", os.path.join(data_dir, "mnist"), "--method", "bad_gan", "--labels", "20"]
        + ["--unlabeled", "400", "--epochs", "1", "--output-dir", str(tmp_path), "--verbose", "0"]
        + ["--density-start", "0", "--density-every", "1", "--density-weight", "1e-2"]
        + ["--density-pca-dim", "20", "--density-components", "4"]
    )
    assert summary["method"] == "bad_gan" and summary["settings"]["density_weight"] == 1e-2
    assert 0 < summary["density_seconds"] < summary["train_seconds"]
    assert summary["final_logs"]["low_density_loss"] >= 0
    # 90% of the digits are denser than under the uniform density on [0, 1]^784 (log 0).
    assert summary["density_threshold"] > 0
    assert os.path.getsize(tmp_path / "generated.png") > 1_000
    # Without the low-density term (the pull-away term alone) no density model is fitted.
    summary = mnist.main(
        ["--data-dir", os.path.join(data_dir, "mnist"), "--method", "bad_gan", "--labels", "20"]
        + ["--unlabeled", "400", "--epochs", "1", "--output-dir", str(tmp_path), "--verbose", "0"]
        + ["--density-weight", "0", "--pull-away-weight", "0.8"]
    )
    assert summary["density_seconds"] == 0 and summary["density_threshold"] is None
    assert summary["final_logs"]["pull_away_loss"] > 0


def test_mnist_run_gives_each_method_its_balance_weight(mnist_run):
    """`--balance-weight`: 0 for FM-GAN and Bad GAN unless set, Triple-GAN's 1e-3."""
    mnist = mnist_run

    def built(*argv):
        args = mnist.parse_args(list(argv))
        density = (None, None) if args.method == "bad_gan" else None
        return mnist.build_model(args, steps=10, density=density).balance_weight

    assert built() == 0.0
    assert built("--balance-weight", "0.5") == 0.5
    assert built("--method", "bad_gan", "--density-weight", "0", "--balance-weight", "0.2") == 0.2
    assert built("--method", "triple_gan") == 1e-3


def test_mnist_run_supervised_conv_is_the_consistency_only_baseline(mnist_run):
    """`--method supervised --classifier conv`: Triple-GAN's conv C alone, at the
    classifier's rate (`--d-learning-rate`), with the terms given; the MLP otherwise."""
    argv = ["--method", "supervised", "--classifier", "conv", "--d-learning-rate", "3e-3"]
    argv += ["--balance-weight", "1", "--consistency-weight", "30", "--translate", "0.1"]
    model = mnist_run.build_model(mnist_run.parse_args(argv), steps=900)
    assert isinstance(model, keras_sslgan.SupervisedBaseline)
    assert model.classifier_network.name == "conv_classifier"
    assert (model.balance_weight, model.consistency_weight) == (1.0, 30.0)
    assert isinstance(model.augmentation, keras.layers.RandomTranslation)
    assert model.c_optimizer._learning_rate.base == 3e-3
    mlp = mnist_run.build_model(mnist_run.parse_args(["--method", "supervised"]), steps=900)
    assert mlp.classifier_network.name != "conv_classifier" and not mlp.consistency_weight
    # FixMatch: --translate is the weak view, RandAugment of --strength and Cutout the
    # strong one, --consistency-threshold the confidence (FixMatch's 0.95 by default).
    argv[argv.index("30")] = "1"
    fixmatch = mnist_run.parse_args(
        [*argv, "--consistency-teacher", "fixmatch", "--strength", "0.3"]
    )
    model = mnist_run.build_model(fixmatch, steps=900)
    assert (model.consistency_teacher, model.consistency_threshold) == ("fixmatch", 0.95)
    assert isinstance(model.augmentation, keras.layers.RandomTranslation)
    rand_augment = model.strong_augmentation.get_layer(index=0)
    assert rand_augment.get_config()["factor"] == (0, 0.3)


@pytest.mark.slow
def test_mnist_run_trains_the_good_and_bad_gan(mnist_run, data_dir, tmp_path):
    mnist = mnist_run
    summary = mnist.main(
        ["--data-dir", os.path.join(data_dir, "mnist"), "--method", "good_bad_gan"]
        + ["--pretrain-epochs", "1", "--labels", "20", "--unlabeled", "400", "--epochs", "1"]
        + ["--output-dir", str(tmp_path), "--verbose", "0"]
    )
    # Triple-GAN's defaults and the bad generator's own.
    assert summary["batch_size"] == 200 and summary["ema_momentum"] == 0.99
    assert summary["settings"]["pull_away_weight"] == 0.8
    assert summary["settings"]["feature_distance"] == "l1"
    assert 0 < summary["pretrain_seconds"] < summary["train_seconds"]
    assert {"b_loss", "unsupervised_loss", "pull_away_loss"} <= set(summary["final_logs"])
    assert np.array(summary["test_confusion"]).sum() == 10_000


@pytest.mark.slow  # the benchmark harness, not the library
def test_mnist_run_resumes_from_its_backup(mnist_run, data_dir, tmp_path, monkeypatch):
    """`--backup-dir`: a run stopped before its third epoch does only that epoch when
    started again, and its summary covers all three; a finished run's directory starts
    the next run afresh."""
    mnist = mnist_run
    backup = tmp_path / "backup"
    args = ["--data-dir", os.path.join(data_dir, "mnist"), "--labels", "20"]
    args += ["--unlabeled", "300", "--epochs", "3", "--validation", "500", "--verbose", "0"]
    args += ["--backup-dir", str(backup), "--output-dir", str(tmp_path)]

    class Stop(Exception):
        pass

    begin = mnist.EpochTimer.on_epoch_begin

    def stop_before_the_third_epoch(self, epoch, logs=None):
        if epoch == 2:
            raise Stop
        begin(self, epoch, logs)

    monkeypatch.setattr(mnist.EpochTimer, "on_epoch_begin", stop_before_the_third_epoch)
    with pytest.raises(Stop):
        mnist.main(args)
    assert os.path.exists(backup / "state" / "latest.weights.h5")
    monkeypatch.setattr(mnist.EpochTimer, "on_epoch_begin", begin)
    # the backup is another run's for other settings: refused, naming what differs
    with pytest.raises(ValueError, match="--seed 0 -> 1"):
        mnist.main(args + ["--seed", "1"])
    # A backup made before an option existed (here --head, at its default) resumes.
    saved = json.loads((backup / "settings.json").read_text())
    del saved["head"]
    (backup / "settings.json").write_text(json.dumps(saved))

    summary = mnist.main(args)
    assert summary["resumed_at_epoch"] == 2  # this process trained one epoch
    per_epoch = summary["validation_accuracy_per_epoch"]
    assert len(per_epoch) == 3 and len(summary["seconds_elapsed"]) == 3
    assert summary["final_logs"]["val_accuracy"] == pytest.approx(per_epoch[-1], abs=1e-6)
    assert summary["steps"] == 3 * 3
    assert not os.path.exists(backup / "state")  # removed when training ends

    again = mnist.main(args)
    assert again["resumed_at_epoch"] == 0 and len(again["validation_accuracy_per_epoch"]) == 3


def test_mnist_budget_cuts_its_steps_into_equal_epochs_of_at_most_one_pass(mnist_run):
    split_steps = mnist_run.split_steps
    assert split_steps(333, 50) == (7, 47)  # 329 steps: 7 x 47
    assert split_steps(50, 50) == (1, 50)
    assert split_steps(51, 50) == (2, 25)
    assert split_steps(7, 600) == (1, 7)


@pytest.mark.slow  # the benchmark harness, not the library
def test_mnist_run_trains_for_a_budget_of_seconds_and_resumes_its_plan(
    mnist_run, data_dir, tmp_path, monkeypatch
):
    """`--budget-seconds`: the plan's steps are the steps made, in equal epochs, the
    schedule ends with them (rates at 0 after the last step), and a resumed run keeps
    the plan it was started with (no new timing: the schedule must not change)."""
    mnist = mnist_run
    backup = tmp_path / "backup"
    args = ["--data-dir", os.path.join(data_dir, "mnist"), "--labels", "20"]
    args += ["--unlabeled", "4000", "--budget-seconds", "30", "--verbose", "0"]
    args += ["--backup-dir", str(backup), "--output-dir", str(tmp_path), "--validation", "500"]
    built, build = [], mnist.build_model

    def build_and_keep(*args, **kwargs):
        built.append(build(*args, **kwargs))
        return built[-1]

    monkeypatch.setattr(mnist, "build_model", build_and_keep)

    class Stop(Exception):
        pass

    begin = mnist.EpochTimer.on_epoch_begin

    def stop_before_the_second_epoch(self, epoch, logs=None):
        if epoch == 1 and self.model is built[-1] and len(built) == 2:  # not the timing
            raise Stop
        begin(self, epoch, logs)

    monkeypatch.setattr(mnist.EpochTimer, "on_epoch_begin", stop_before_the_second_epoch)
    with pytest.raises(Stop):
        mnist.main(args)
    plan = json.loads((backup / "budget.json").read_text())
    assert len(built) == 2  # the timed copy, then the model
    monkeypatch.setattr(mnist.EpochTimer, "on_epoch_begin", begin)
    monkeypatch.setattr(mnist, "plan_budget", None)  # a resumed run must not time again
    summary = mnist.main(args)
    assert summary["budget"] == plan and summary["resumed_at_epoch"] == 1
    assert plan["epochs"] >= 2, "the budget must allow more than one epoch for this test"
    assert plan["steps_per_epoch"] <= 4000 // 100
    assert summary["steps"] == plan["steps"] == plan["epochs"] * plan["steps_per_epoch"]
    assert summary["epochs"] == plan["epochs"] == len(summary["validation_accuracy_per_epoch"])
    model = built[-1]
    for optimizer in (model.d_optimizer, model.g_optimizer):
        schedule = optimizer.get_config()["learning_rate"]["config"]
        assert schedule["total_steps"] == plan["steps"]
        assert float(optimizer.learning_rate) == 0.0
    assert summary["setup_seconds"] == pytest.approx(plan["calibration_seconds"])
    with pytest.raises(ValueError, match="--budget-seconds 0"):
        mnist.main([a if a != "30" else "0" for a in args])
    # Another run given a plan makes its steps without timing anything.
    short = dict(plan, steps=6, epochs=2, steps_per_epoch=3)
    reused = mnist.main(
        [a for a in args if a not in ("--backup-dir", str(backup))]
        + ["--seed", "1", "--budget-plan", json.dumps(short)]
    )
    assert reused["steps"] == 6 and reused["budget"] == dict(short, calibration_seconds=0.0)


@pytest.mark.slow  # the benchmark harness, not the library
def test_mnist_run_holds_out_a_validation_set(mnist_run, data_dir, tmp_path):
    """`--validation N`: the last N training images are evaluated, never trained on."""
    mnist = mnist_run
    argv = ["--data-dir", os.path.join(data_dir, "mnist"), "--labels", "20", "--epochs", "2"]
    argv += ["--output-dir", str(tmp_path), "--verbose", "0", "--steps-per-execution", "3"]
    summary = mnist.main(
        argv
        + ["--validation", "2000", "--unlabeled", "1000", "--dtype-policy", "mixed_bfloat16"]
        + ["--decay-fraction", "1"]
        + ["--entropy-weight", "0.3", "--hidden-noise", "0.4", "--labeled-batch-size", "7"]
    )
    assert summary["unlabeled"] == 1000 and summary["validation"] == 2000
    assert (summary["batch_size"], summary["labeled_batch_size"]) == (100, 7)
    assert (summary["steps_per_execution"], summary["decay_fraction"]) == (3, 1.0)
    noise = (summary["input_noise"], summary["hidden_noise"])
    assert summary["entropy_weight"] == 0.3 and noise == (0.3, 0.4)
    assert summary["dtype_policy"] == "mixed_bfloat16"
    assert keras.config.dtype_policy().name == "float32"  # restored for what runs next
    assert len(summary["validation_accuracy_per_epoch"]) == 2
    assert summary["validation_accuracy"] == summary["validation_accuracy_per_epoch"][-1]
    assert 0.0 < summary["validation_accuracy"] <= 1.0
    assert summary["test_accuracy_per_epoch"] is None
    with pytest.raises(ValueError, match="--validation"):
        mnist.main(argv + ["--validation", "60000"])
    with pytest.raises(ValueError, match="--validation"):
        mnist.main(argv + ["--validation", "100", "--test-every-epoch"])
    with pytest.raises(ValueError, match="decay_fraction=-0.5"):
        mnist.main(argv + ["--decay-fraction", "-0.5"])
    with pytest.raises(ValueError, match="labeled_batch_size=0"):
        mnist.main(argv + ["--labeled-batch-size", "0"])


def run_table_twice(table, marker, args, tmp_path, capsys):
    """Runs a table script twice on fresh result and markdown files: `(runs, markdown)`.

    Checks what both tables promise: the second call redoes no finished run and says so
    for each, and only the text between the markers is replaced.
    """
    results, md = tmp_path / "runs.jsonl", tmp_path / "B.md"
    md.write_text(f"# B\n\n<!-- {marker} -->\nstale block text\n<!-- /{marker} -->\n\nafter\n")
    args = args + ["--results", str(results), "--benchmarks-md", str(md)]
    args += ["--output-dir", str(tmp_path / "out")]
    if marker == "mnist-table":
        args += ["--runs-md", str(tmp_path / "runs.md")]
    table.main(args)
    runs = [json.loads(line) for line in results.read_text().splitlines()]
    capsys.readouterr()
    table.main(args)  # finished runs are not redone
    assert len(results.read_text().splitlines()) == len(runs)
    said = capsys.readouterr().out
    assert said.count(f"already in {results}, not run again (remove its line") == len(runs)
    text = md.read_text()
    assert "stale block text" not in text and text.endswith("after\n")
    return runs, text


@pytest.mark.slow  # the benchmark harness, not the library
def test_mnist_table_runs_resumes_and_writes_the_table(data_dir, tmp_path, monkeypatch, capsys):
    table = load_benchmark("mnist_table", monkeypatch)
    args = ["--data-dir", os.path.join(data_dir, "mnist"), "--labels", "20", "--seeds", "0", "1"]
    args += ["--epochs", "1", "--unlabeled", "300", "--ema-momentum", "0.99"]
    args += ["--steps-per-execution", "2", "--docs-dir", str(tmp_path / "docs")]
    runs, text = run_table_twice(table, "mnist-table", args, tmp_path, capsys)
    assert [
        (r["labels"], r["seed"], r["ema_momentum"], r["steps_per_execution"]) for r in runs
    ] == [
        (20, 0, 0.99, 2),
        (20, 1, 0.99, 2),
    ]
    # In percent before the mean, as the table does: accuracies are multiples of 1e-4,
    # so a std such as 0.925 rounds by the last bit of the float.
    accuracies = [100 * r["test_accuracy"] for r in runs]
    mean, std = np.mean(accuracies), np.std(accuracies)
    version = keras_sslgan.__version__
    assert all(r["method"] == "fm_gan" and r["settings"]["unlabeled"] == 300 for r in runs)
    row = f"| keras_sslgan {version}, fm_gan --ema-momentum 0.99 --unlabeled 300, 1 epochs |"
    # All published columns stay in the table, whichever labels this call ran.
    assert "| method | 20 | 50 | 100 | 200 |" in text
    assert f"{row} {mean:.2f} ± {std:.2f} (n=2) | not run | not run | not run |" in text
    assert "| FM-GAN (Salimans et al. 2016), published | 83.23 ± 4.52 | 97.79 ± 1.36 |" in text
    # each run backed up its training state (removed at its end) beside its epoch log
    (run_dir,) = (tmp_path / "out").glob("fm_gan_20_1_*")
    assert (run_dir / "backup" / "epochs.csv").exists()
    assert not (run_dir / "backup" / "state").exists()
    details = (tmp_path / "runs.md").read_text()
    header = "| labels | seed | run | seconds (epoch) to 95% | seconds (epoch) to 98% |"
    assert header + " seconds (epoch) to 99% |" in details
    assert f"| 20 | 1 {row} not in 1 epochs | not in 1 epochs | not in 1 epochs |" in details


def test_mnist_table_time_to_accuracy_reads_the_first_epoch_at_the_target(mnist_run, monkeypatch):
    table = load_benchmark("mnist_table", monkeypatch)
    defaults = table.example_defaults(mnist_run)
    run = {
        "labels": 100,
        "seed": 3,
        "epochs": 4,
        "head": "k_plus_one",
        "version": "0.9.0",
        "test_accuracy_per_epoch": [0.95, 0.981, 0.979, 0.99],
        "seconds_elapsed": [30.0, 61.0, 90.4, 121.6],
    }
    text = table.time_to_accuracy([run], defaults)
    described = "keras_sslgan 0.9.0, fm_gan --head k_plus_one, 4 epochs"
    assert text.splitlines()[-1] == f"| 100 | 3 | {described} | 30 (1) | 61 (2) | 122 (4) |"
    run["test_accuracy_per_epoch"] = [0.94, 0.97, 0.979, 0.985]
    assert table.time_to_accuracy([run], defaults).splitlines()[-1] == (
        f"| 100 | 3 | {described} | 61 (2) | 122 (4) | not in 4 epochs |"
    )
    # Seconds from the start: a run's set-up (here pre-training) comes first.
    run.update(pretrain_seconds=100.0, settings={**defaults, "budget_seconds": 300.0})
    assert table.time_to_accuracy([run], defaults).splitlines()[-1] == (
        "| 100 | 3 | keras_sslgan 0.9.0, fm_gan, 300 s | 161 (2) | 222 (4) | not in 300 s |"
    )
    # With its plan, a budget run counts on the plan's machine: the 4 epochs of 10 steps
    # of 5 s end at the budget, whatever this run's machine took.
    run["budget"] = {"epochs": 4, "steps_per_epoch": 10, "seconds_per_step": 5.0}
    assert table.seconds_from_start(run, defaults) == [150.0, 200.0, 250.0, 300.0]
    assert table.time_to_accuracy([run], defaults).splitlines()[-1] == (
        "| 100 | 3 | keras_sslgan 0.9.0, fm_gan, 300 s | 200 (2) | 300 (4) | not in 300 s |"
    )


def test_mnist_table_lists_the_predicted_counts_of_failed_runs(mnist_run, monkeypatch):
    table = load_benchmark("mnist_table", monkeypatch)
    defaults = table.example_defaults(mnist_run)
    # 3 classes of 10 test images each: class 0 absorbs most of class 2.
    confusion = [[10, 0, 0], [1, 9, 0], [8, 0, 2]]
    run = {"labels": 20, "seed": 1, "epochs": 2, "version": "0.9.0"}
    failed = dict(run, test_accuracy=0.7, test_confusion=confusion)
    good = dict(run, seed=2, test_accuracy=0.95, test_confusion=[[10, 0], [0, 10]])
    text = table.failed_runs([good, failed], defaults)
    assert text.splitlines()[-1] == (
        "| 20 | 1 | keras_sslgan 0.9.0, fm_gan, 2 epochs | 70.00 | 19 | 9 | *2* |"
    )
    assert "| 20 | 2 |" not in text  # 95% is not a failed run
    # 19 is not more than twice 10; 21 is.
    failed["test_confusion"] = [[10, 0, 0], [1, 9, 0], [10, 0, 0]]
    assert (
        table.failed_runs([failed], defaults)
        .splitlines()[-1]
        .endswith("| 70.00 | **21** | 9 | *0* |")
    )
    assert table.failed_runs([good], defaults) == (
        "(no run under 90% recorded its confusion matrix)"
    )


def test_mnist_table_gives_every_run_of_a_budget_row_the_plan_of_its_first(mnist_run, monkeypatch):
    table = load_benchmark("mnist_table", monkeypatch)
    defaults = table.example_defaults(mnist_run)
    plan = {"steps": 120, "epochs": 2, "steps_per_epoch": 60, "seconds_per_step": 0.5}

    def run(labels, seed, budget=None, **settings):
        settings = {**defaults, "labels": labels, "seed": seed, **settings}
        return {
            "settings": settings,
            "labels": labels,
            "seed": seed,
            "version": "0.9",
            "budget": budget,
        }

    recorded = [
        run(20, 0, plan, budget_seconds=100.0),
        run(20, 0, dict(plan, steps=7), budget_seconds=100.0, batch_size=25),
    ]
    assert table.budget_plan(recorded, run(100, 2, budget_seconds=100.0), defaults) == plan
    assert table.budget_plan(recorded, run(100, 2, budget_seconds=200.0), defaults) is None
    assert (
        table.budget_plan(recorded, run(20, 1, budget_seconds=100.0, head="k_plus_one"), defaults)
        is None
    )
    # A plan given as --budget-plan wins, over a row's recorded plan or none.
    given = dict(plan, steps=60, epochs=1)
    for other in (run(100, 2, budget_seconds=100.0), run(20, 1, budget_seconds=100.0, head="x")):
        assert table.budget_plan(recorded, other, defaults, given) == given


def test_mnist_table_draws_the_mean_accuracy_over_time_of_the_budget_runs(
    mnist_run, tmp_path, monkeypatch
):
    table = load_benchmark("mnist_table", monkeypatch)
    defaults = table.example_defaults(mnist_run)

    def run(seed, setup, elapsed, accuracies, **settings):
        return {
            "settings": {**defaults, "labels": 100, "seed": seed, **settings},
            "labels": 100,
            "seed": seed,
            "version": "0.9.0",
            "setup_seconds": setup,
            "seconds_elapsed": elapsed,
            "test_accuracy_per_epoch": accuracies,
        }

    budget = {"budget_seconds": 100.0}
    runs = [
        run(0, 0.0, [10.0, 50.0, 90.0], [0.5, 0.9, 0.94], **budget),
        run(1, 20.0, [10.0, 50.0, 80.0], [0.7, 0.9, 0.96], **budget),
        run(0, 0.0, [10.0, 20.0], [0.1, 0.2]),  # not a budget run: not drawn
    ]
    path = tmp_path / "over_time.png"
    lines = table.plot_accuracy_over_time(runs, defaults, str(path), labels=(100,))
    assert os.path.getsize(path) > 10_000
    ((labels, row), (grid, mean, low, high)) = lines.popitem()
    assert not lines and (labels, row) == (100, "keras_sslgan 0.9.0, fm_gan, 100 s")
    # From the latest first epoch (30 s: seed 1's set-up) to the earliest last (90 s).
    assert (grid[0], grid[-1]) == (30.0, 90.0)
    # At 30 s: seed 0 halfway from 50% to 90%, seed 1 at its first epoch's 70%.
    assert (mean[0], low[0], high[0]) == pytest.approx((70.0, 70.0, 70.0))
    # At 90 s: seed 0's last epoch 94%, seed 1 between 90% (70 s) and 96% (100 s): 94%.
    assert (mean[-1], low[-1], high[-1]) == pytest.approx((94.0, 94.0, 94.0))
    assert table.plot_accuracy_over_time(runs[2:], defaults, str(path)) == {}


def test_mnist_table_gives_each_method_one_colour_in_every_panel(monkeypatch):
    table = load_benchmark("mnist_table", monkeypatch)
    colour = table.method_color
    fm = colour("keras_sslgan 0.9.0, fm_gan, 100 s")
    assert fm == colour("keras_sslgan 0.9.0, fm_gan --batch-size 25, 100 s") == "C0"
    assert colour("keras_sslgan 0.9.0, supervised --batch-size 25, 100 s") == "C4"
    methods = [f"keras_sslgan 0.9.0, {m}, 100 s" for m in table.METHOD_NAMES]
    assert len({colour(row) for row in methods}) == len(methods)


def test_mnist_table_summary_names_the_budget_rows_by_method(mnist_run, monkeypatch):
    table = load_benchmark("mnist_table", monkeypatch)
    defaults = table.example_defaults(mnist_run)

    def run(method, labels, seed, accuracy, **settings):
        settings = {**defaults, "method": method, "labels": labels, "seed": seed, **settings}
        return {
            "settings": settings,
            "labels": labels,
            "seed": seed,
            "version": "0.9.0",
            "test_accuracy": accuracy,
        }

    budget = {"budget_seconds": 1500.0}
    runs = [
        run("fm_gan", 100, 0, 0.98, batch_size=25, **budget),
        run("fm_gan", 100, 1, 0.96, batch_size=25, **budget),
        run("triple_gan", 20, 0, 0.9, **budget),
        run("fm_gan", 100, 0, 0.5),  # an epochs run: not in the summary
        run("bad_gan", 100, 0, 0.5, validation=10_000, **budget),  # a validation run: neither
    ]
    lines = table.summary_table(runs, defaults).splitlines()
    assert lines[0] == "| method (1500 s per run here) | 20 | 50 | 100 | 200 |"
    assert lines[2] == "| FM-GAN | not run | not run | 97.00 ± 1.00 (n=2) | not run |"
    assert lines[3] == "| Triple-GAN | 90.00 (n=1) | not run | not run | not run |"
    assert lines[4].startswith("| FM-GAN (Salimans et al. 2016), published | 83.23 ± 4.52 |")
    assert table.summary_table(runs[3:], defaults) is None


def test_mnist_table_front_page_takes_the_best_current_row_per_method(mnist_run, monkeypatch):
    """README's table: per method and label count the best mean among its current rows
    (a row of an older version with the same settings is superseded), the consistency
    term named where it made the best row, and the papers' figure beside it."""
    table = load_benchmark("mnist_table", monkeypatch)
    defaults = table.example_defaults(mnist_run)

    def run(method, labels, accuracy, version="0.9.0", **settings):
        settings = {**defaults, "method": method, "labels": labels, "seed": 0, **settings}
        settings["budget_seconds"] = 1500.0
        return {
            "settings": settings,
            "labels": labels,
            "seed": 0,
            "version": version,
            "test_accuracy": accuracy,
        }

    term = {"consistency_weight": 10.0, "translate": 0.1}
    fixmatch = {**term, "consistency_teacher": "fixmatch"}
    runs = [
        run("fm_gan", 100, 0.99, version="0.8.0"),  # superseded by 0.9.0's 0.97
        run("fm_gan", 100, 0.97),
        run("fm_gan", 100, 0.95, **term),
        run("fm_gan", 20, 0.6),
        run("fm_gan", 20, 0.8, **term),
        run("fm_gan", 100, 0.96, **fixmatch),
        run("supervised", 20, 0.5),
        run("supervised", 20, 0.85, **term),
        run("supervised", 100, 0.9, **fixmatch),
    ]
    lines = table.front_page_table(runs, defaults).splitlines()
    assert lines[0] == (
        "| method | 20 labels, 1500 s here | 20, published | 100 labels, 1500 s here "
        "| 100, published |"
    )
    assert lines[2] == (
        "| FM-GAN | 80.00 (n=1, + Mean Teacher) | 83.23 ± 4.52 | 97.00 (n=1) | 99.07 ± 0.07 |"
    )
    assert lines[3] == "| supervised only | 50.00 (n=1) |  | not run |  |"
    assert lines[4] == (  # each cell names the teacher of its best row
        "| supervised + consistency (no GAN) | 85.00 (n=1, + Mean Teacher) |  "
        "| 90.00 (n=1, + FixMatch) |  |"
    )
    assert len(lines) == 5
    assert table.front_page_table(runs[:0], defaults) is None


def test_small_tables_come_from_their_records(monkeypatch):
    tables = load_benchmark("tables", monkeypatch)
    speed = [
        {"machine": "m", "date": "d", "label": f"{when} round {n}", "ms_per_step": {"a": [n]}}
        for n in (1, 2)
        for when in ("before", "after")
    ] + [{"machine": "m", "date": "d", "label": "threads", "ms_per_step": {"b": [3.0, 1.0, 2.0]}}]
    lines = tables.speed_table(speed).splitlines()
    assert lines[2:] == [
        "| m, d, after round 2 | a | 2.0 | 2.0 |",
        "| m, d, threads | b | 2.0 | 3.0, 1.0, 2.0 |",
    ]
    assert tables.latest_speed_table(speed).splitlines()[2:] == [lines[-1]]  # the last alone
    common = {"machine": "m", "outputs_in_float32": True, "commit": "c"}
    bfloat16 = [
        dict(common, product_dtype="bfloat16", seed=0, test_accuracy=0.9),
        dict(common, product_dtype="bfloat16", seed=0, test_accuracy=0.8),  # the last counts
        dict(common, product_dtype="bfloat16", seed=1, test_accuracy=0.9),
    ]
    assert tables.bfloat16_table(bfloat16).splitlines()[2] == (
        "| bfloat16 | yes | c | m | 80.00 | 90.00 | 85.00 |"
    )
    streaming = [
        {
            "machine": "m",
            "date": "d",
            "image_size": 128,
            "photos": 50_000,
            "array_images": 10,
            "stream": {
                "input_peak_rss_mb": 500.4,
                "peak_rss_mb": 5000.0,
                "ms_per_step": 2000.0,
                "input_images_per_second": 1000.0,
            },
            "arrays": {"input_peak_rss_mb": 700.0, "peak_rss_mb": 5100.0, "ms_per_step": 4000.0},
        }
    ]
    assert tables.streaming_table(streaming).splitlines()[2:] == [
        "| m, d | 128 | 50,000 streamed | 500 | 5,000 | 2,000 | 1,000 (50) |",
        "| m, d | 128 | 10 in memory | 700 | 5,100 | 4,000 | - (25) |",
    ]


@pytest.mark.slow  # unpacks the 60,000 CIFAR-10 JPEGs
def test_streaming_benchmark_records_memory_speed_and_input_rate(data_dir, tmp_path, monkeypatch):
    streaming = load_benchmark("streaming", monkeypatch)
    results = tmp_path / "runs.jsonl"
    argv = ["--data-dir", data_dir, "--image-size", "16", "--steps", "1", "--warmup", "1"]
    argv += ["--array-images", "200", "--folder", str(tmp_path / "photos")]
    record = streaming.main(argv + ["--results", str(results)])
    assert json.loads(results.read_text()) == record
    for mode in ("stream", "arrays"):
        assert record[mode]["peak_rss_mb"] >= record[mode]["input_peak_rss_mb"] > 0
        assert record[mode]["ms_per_step"] > 0
    assert record["stream"]["input_images_per_second"] > 0


def test_mnist_table_equal_compute_block_orders_methods_and_times_the_seeds(mnist_run, monkeypatch):
    """BENCHMARKS' equal-compute block: methods in the published rows' order, the mean
    seconds to each accuracy over the seeds that got there, and each row's options."""
    table = load_benchmark("mnist_table", monkeypatch)
    defaults = table.example_defaults(mnist_run)

    def run(method, seed, accuracies, **settings):
        settings = {**defaults, "method": method, "labels": 100, "seed": seed, **settings}
        return {
            "settings": settings,
            "labels": 100,
            "seed": seed,
            "version": "0.9.0",
            "test_accuracy": accuracies[-1],
            "test_accuracy_per_epoch": accuracies,
            # 3 epochs of 10 steps of 10 s ending at the 300 s budget: 100, 200, 300 s.
            "budget": {"epochs": 3, "steps_per_epoch": 10, "seconds_per_step": 10.0},
            "seconds_elapsed": [1.0, 2.0, 3.0],
        }

    budget = {"budget_seconds": 300.0}
    runs = [
        run("supervised", 0, [0.5, 0.6, 0.7], **budget),
        run("fm_gan", 0, [0.95, 0.98, 0.99], **budget),  # 95% at 100 s, 98% at 200, 99% at 300
        run("fm_gan", 1, [0.9, 0.95, 0.97], **budget),  # 95% at 200 s
        run("triple_gan", 0, [0.9, 0.96, 0.97], **budget),
    ]
    block = table.equal_compute_block(runs, defaults)
    lines = block.splitlines()
    assert [line.split(" | ")[0] for line in lines[2:5]] == [
        "| FM-GAN",
        "| Triple-GAN",
        "| supervised only",
    ]
    assert lines[2] == "| FM-GAN | not run | not run | 98.00 ± 1.00 (n=2) | not run |"
    assert "| FM-GAN | 150 (2 of 2) | 200 (1 of 2) | 300 (1 of 2) |" in lines
    assert "| Triple-GAN | 200 (1 of 1) | not reached (0 of 1) | not reached (0 of 1) |" in lines
    assert "- supervised only: `keras_sslgan 0.9.0, supervised, 300 s`" in lines
    assert table.equal_compute_block([], defaults) is None


def test_mnist_table_reports_validation_runs_apart_from_the_test_table(mnist_run, monkeypatch):
    table = load_benchmark("mnist_table", monkeypatch)
    defaults = table.example_defaults(mnist_run)

    def run(seed, accuracy, **settings):
        settings = {**defaults, "labels": 100, "seed": seed, "method": "bad_gan", **settings}
        return {
            "settings": settings,
            "labels": 100,
            "seed": seed,
            "version": "0.9.0",
            "test_accuracy": 0.9,
            "validation_accuracy": accuracy if settings["validation"] else None,
        }

    runs = [
        run(0, 0.98, validation=10_000, pull_away_weight=0.8),
        run(1, 0.96, validation=10_000, pull_away_weight=0.8),
        run(0, 0.97, validation=10_000),
        run(0, None),  # a test run
    ]
    lines = table.validation_table(runs, defaults).splitlines()
    assert lines[0] == "| setting (validation runs) | 100 |"
    rows = "| keras_sslgan 0.9.0, bad_gan {}--validation 10000, 20 epochs | {} |"
    assert lines[2:] == [
        rows.format("--pull-away-weight 0.8 ", "97.00 ± 1.00 (n=2)"),
        rows.format("", "97.00 (n=1)"),
    ]
    # The test table holds the test run only.
    test_rows = table.table(runs, [100], defaults).splitlines()[2:]
    assert test_rows[0] == "| keras_sslgan 0.9.0, bad_gan, 20 epochs | 90.00 (n=1) |"
    assert not any("--validation" in line for line in test_rows)
    assert table.validation_table(runs[3:], defaults) == "(no validation run yet)"


def test_mnist_table_keeps_every_epoch_budget_and_reads_old_records(mnist_run, monkeypatch):
    """Records of keras_sslgan 0.2.0 (settings as top-level fields, no `method`; the
    supervised baseline as unlabeled weight 0) key and group as the runs of today."""
    table = load_benchmark("mnist_table", monkeypatch)
    mnist = mnist_run
    defaults = table.example_defaults(mnist)
    runs = [
        {"labels": 100, "seed": s, "epochs": e, "head": "logsumexp", "test_accuracy": a}
        for s, e, a in [(0, 20, 0.98), (1, 20, 0.96), (0, 50, 0.99)]
    ]
    for run in runs:
        run.update(generator_loss="feature_matching", version="0.9.0", batch_size=25)
    old_baseline = dict(runs[0], unlabeled_weight=0.0, test_accuracy=0.8, batch_size=100)
    new = {"settings": {**defaults, "labels": 100, "seed": 0}, "version": "0.9.0"}
    new.update(labels=100, seed=0, epochs=20, test_accuracy=0.97)
    lines = table.table(runs + [old_baseline, new], [100], defaults).splitlines()
    row = "| keras_sslgan 0.9.0, fm_gan --batch-size 25, {} epochs |"
    assert row.format(20) + " 97.00 ± 1.00 (n=2) |" in lines
    assert row.format(50) + " 99.00 (n=1) |" in lines
    assert "| keras_sslgan 0.9.0, supervised, 20 epochs | 80.00 (n=1) |" in lines
    assert "| keras_sslgan 0.9.0, fm_gan, 20 epochs | 97.00 (n=1) |" in lines
    # An old record and a new one of the same run have the same key; another seed not.
    old_default = dict(runs[0], batch_size=100)
    assert table.key(old_default, defaults) == table.key(dict(new, test_accuracy=0.5), defaults)
    assert table.key(runs[0], defaults) != table.key(runs[1], defaults)
    # A record made before an option existed ran at its default: the same run's key.
    before_option = dict(new, settings={k: v for k, v in new["settings"].items() if k != "head"})
    assert table.key(before_option, defaults) == table.key(new, defaults)
    assert table.key(before_option, defaults) != table.key(
        dict(new, settings=dict(new["settings"], head="k_plus_one")), defaults
    )


def test_mnist_table_reads_the_balance_weight_of_0_3_0_dev0_fm_gan_runs_as_unread(
    mnist_run, monkeypatch
):
    """Up to 0.3.0.dev0 every run recorded `--balance-weight 0.001`, read by Triple-GAN
    alone: an FM-GAN, Bad GAN or supervised run of then did what weight 0 does now."""
    table = load_benchmark("mnist_table", monkeypatch)
    defaults = table.example_defaults(mnist_run)
    assert defaults["balance_weight"] == 0.0
    assert table.method_defaults(defaults, "triple_gan")["balance_weight"] == 1e-3

    def run(method, version, balance_weight):
        settings = {**defaults, "method": method, "balance_weight": balance_weight}
        return {"settings": settings, "labels": 100, "seed": 0, "version": version}

    then, now = "0.3.0.dev0", "0.3.0.dev1"
    for method in ("fm_gan", "bad_gan", "supervised"):
        assert table.settings_of(run(method, then, 1e-3), defaults)["balance_weight"] == 0.0
        assert f"{method}, 20 epochs" in table.describe(run(method, then, 1e-3), defaults)
        described = table.describe(run(method, now, 1e-3), defaults)
        assert f"{method} --balance-weight 0.001, 20 epochs" in described
    # Triple-GAN read it then as now.
    assert table.settings_of(run("triple_gan", then, 0.1), defaults)["balance_weight"] == 0.1


@pytest.mark.slow
def test_mnist_100_labels_beats_supervised_only(mnist_run, data_dir, tmp_path):
    """The main job (20 epochs on all of MNIST, ~10 min each) against the same network,
    labels and epochs with the unsupervised loss off. Measured: 97.51% against the
    supervised-only figure in BENCHMARKS.md."""
    mnist = mnist_run
    common = ["--data-dir", os.path.join(data_dir, "mnist"), "--epochs", "20", "--verbose", "0"]
    ssl_gan = mnist.main(common + ["--output-dir", str(tmp_path / "ssl")])
    supervised = mnist.main(
        common + ["--method", "supervised", "--output-dir", str(tmp_path / "sup")]
    )
    assert ssl_gan["test_accuracy"] >= 0.97
    assert ssl_gan["test_accuracy"] - supervised["test_accuracy"] >= 0.1


@pytest.mark.slow  # the benchmark harness, not the library
def test_cats_dogs_table_pairs_methods_resumes_and_writes_the_table(
    data_dir, tmp_path, monkeypatch, capsys
):
    table = load_benchmark("cats_dogs_table", monkeypatch)
    kaggle = os.path.join(data_dir, "cats_dogs", "kaggle_filtered", "train")
    args = ["--data-dir", kaggle, "--labels", "10", "--seeds", "0", "--epochs", "1"]
    args += ["--width", "8", "--limit", "60", "--product-dtype", "float32"]
    args += ["--models", "ssl_gan", "consistency", "supervised", "--consistency", "10"]
    runs, text = run_table_twice(table, "cats-dogs-table", args, tmp_path, capsys)
    assert [(r["labels"], r["seed"], r["method"]) for r in runs] == [
        (10, 0, "SSL-GAN"),
        (10, 0, "consistency only"),
        (10, 0, "supervised only"),
    ]
    assert all((r["consistency"], r["balance"], r["steps"]) == (10.0, 1.0, 1) for r in runs)
    ssl, consistency, sup = (100 * r["test_accuracy"] for r in runs)
    assert (
        "| train (first 60) | 32 | 10 | 1 | 10 / 1 | mean teacher | float32 "
        f"| {table.short(runs[0]['machine'])} | {ssl:.2f} ± 0.00 (n=1) "
        f"| {consistency:.2f} ± 0.00 (n=1) | {sup:.2f} ± 0.00 (n=1) | - "
        f"| {ssl - sup:+.2f} (seeds [0]) |" in text
    )
    # --table-only rewrites the same block from the records, running nothing.
    md = tmp_path / "B.md"
    md.write_text(text.replace("| train (first 60) |", "| edited |"))
    table.main(
        ["--table-only", "--results", str(tmp_path / "runs.jsonl"), "--benchmarks-md", str(md)]
    )
    assert md.read_text() == text
    with pytest.raises(SystemExit):
        table.main(["--data-dir", str(tmp_path / "missing"), "--results", str(tmp_path / "x")])
    # A record of keras_sslgan 0.1 (no consistency, balance or products) has its own row.
    old = {"data": "cifar10_catdog", "image_size": 32, "labels": 100, "epochs": 20}
    old.update(width=32, learning_rate=6e-4, augmentation=True, seed=0)
    records = [
        dict(old, method="SSL-GAN", test_accuracy=0.5145, seconds_per_epoch=34.3),
        dict(old, method="supervised only", test_accuracy=0.5425, seconds_per_epoch=7.2),
    ]
    assert table.table(records).splitlines()[2] == (
        "| cifar10_catdog | 32 | 100 | 20 | 0 / 0 | - | float32 | AMD EPYC | 51.45 ± 0.00 (n=1) "
        "| - | 54.25 ± 0.00 (n=1) | - | -2.80 (seeds [0]) | 34.3 / 7.2 |"
    )
    # FixMatch's records are a row of their own, naming its settings.
    fixmatch = dict(old, consistency=1.0, balance=1.0, product_dtype="bfloat16")
    fixmatch.update(teacher="fixmatch", strength=0.5, threshold=0.95)
    fixmatch.update(machine="Intel(R) Xeon(R) Processor (AVX-512, AVX512_BF16, AMX), 2 cores")
    records = [
        dict(fixmatch, method="consistency only", test_accuracy=0.6, seconds_per_epoch=9.0),
        dict(fixmatch, method="supervised, strong views", test_accuracy=0.55,
             seconds_per_epoch=4.0),
        dict(fixmatch, method="supervised only", test_accuracy=0.5, seconds_per_epoch=2.0,
             machine="AMD EPYC (AVX-512, AVX512_BF16), 2 cores"),  # another machine's row
    ]  # fmt: skip
    assert table.table(records).splitlines()[2:] == [
        "| cifar10_catdog | 32 | 100 | 20 | 1 / 1 | FixMatch (strength 0.5, threshold 0.95) "
        "| bfloat16 | AMD EPYC (AVX-512, AVX512_BF16) | - | - | 50.00 ± 0.00 (n=1) | - |  | 2.0 |",
        "| cifar10_catdog | 32 | 100 | 20 | 1 / 1 | FixMatch (strength 0.5, threshold 0.95) "
        "| bfloat16 | Xeon (AVX-512, AVX512_BF16, AMX) | - | 60.00 ± 0.00 (n=1) | - "
        "| 55.00 ± 0.00 (n=1) |  | 9.0 / 4.0 |",
    ]


@pytest.mark.slow  # the benchmark harness, not the library
def test_step_speed_counts_flops_and_times_the_noise_free_variant(mnist_small, monkeypatch, capsys):
    speed = load_benchmark("mnist_step_speed", monkeypatch)
    # By hand: D 784*1000 + 1000*500 + 500*250 + 2*250*250 + 250*10 = 1,536,500 MACs per
    # example, of which 784,000 in its first layer and 2,500 in its logits layer; G
    # 100*500 + 500*500 + 500*784 = 692,000, of which 50,000 in its first layer.
    # D step on 300: forward, weight gradients, input gradients above the first layer;
    # G forward on 100. G step: G forward on 100; D forward to the features on 200; D
    # input gradients down to the pixels on 100; G weight gradients and input gradients
    # above its first layer on 100. FLOPs = 2 x MACs.
    d, d_first, d_features, g, g_first = 1_536_500, 784_000, 1_534_000, 692_000, 50_000
    d_step = 300 * (3 * d - d_first) + 100 * g
    g_step = 100 * g + 200 * d_features + 100 * d_features + 100 * (2 * g - g_first)
    assert speed.step_flops(100) == 2 * (d_step + g_step) == 3_759_300_000
    # No product of the first layer's 784 inputs with an upstream gradient in the D step:
    # only the generator step takes the gradient down to the pixels, for 100 examples.
    assert [s for s in speed.step_matmuls(100) if s[1:] == (1000, 784)] == [(100, 1000, 784)]
    assert speed.matmuls_alone([(8, 16, 4)], repeats=3) > 0
    rate, size = speed.matmul_ceiling(sizes=(32, 64), repeats=2)
    assert rate > 0 and size in (32, 64)
    import common  # on the path once a benchmark is loaded

    model = common.mnist_model(0, noise=False, steps_per_execution=2)
    noise = [x for x in model.discriminator.layers if "GaussianNoise" in type(x).__name__]
    assert noise and all(layer.stddev == 0 for layer in noise)
    (x_l, y_l), x_u, _ = mnist_small
    seconds = common.seconds_per_step(model, x_l, y_l, x_u, steps=4)
    # Warm-up: 20 steps asked, 10 given by the 1,000 unlabeled images; then 4 timed.
    assert seconds > 0 and int(model.d_optimizer.iterations) == 10 + 4
    bare = common.mnist_model(0, noise=False)
    direct = speed.seconds_per_direct_step(bare, x_l, y_l, x_u, steps=3)
    # Built by `fit` (10 warm-up + 5 steps), 1 call to compile the bare step, 3 timed.
    assert direct > 0 and int(bare.d_optimizer.iterations) == 10 + 5 + 1 + 3
    # The profile sees the matrix products in both models, the noise draws only in one.
    quiet = common.op_times(model, x_l, y_l, x_u, steps=2)
    noisy = common.op_times(common.mnist_model(0), x_l, y_l, x_u, steps=2)
    assert any("MatMul" in op for op in quiet) and any("MatMul" in op for op in noisy)
    # The noise is drawn by Box-Muller (uniform draws, log, cos, sin): only the noisy
    # model computes cosines (the latent draws are uniform in both).
    assert "Cos" not in quiet and noisy["Cos"] > 0
    common.print_op_times(collections.Counter({"MatMul": 3000.0, "Cos": 1000.0}), "a step", 1)
    assert capsys.readouterr().out.splitlines()[1:] == [
        "op time of a step, summed over threads: 4.0 ms/step",
        "| op type | ms/step | share |",
        "|---|---:|---:|",
        "| MatMul | 3.00 | 75.0% |",
    ]


@pytest.mark.slow  # 4 processes at once: about 3 minutes on 2 cores
def test_gpu_suite_tiny_runs_every_process_and_reports_them(data_dir, tmp_path, monkeypatch):
    suite = load_benchmark("gpu_suite", monkeypatch)
    report_path = tmp_path / "report.json"
    report = suite.main(
        ["--data-dir", data_dir, "--tiny", "--report", str(report_path)]
        + ["--output-dir", str(tmp_path / "out")]
    )
    assert json.loads(report_path.read_text()) == report
    processes = report["processes"]
    assert sorted(processes) == [
        "cats_dogs",
        "mnist_seed0",
        "mnist_seed1",
        "mnist_seed2",
    ]
    assert all(p["return_code"] == 0 and p["seconds"] > 0 for p in processes.values())
    mnist = [processes[f"mnist_seed{s}"]["summary"] for s in range(3)]
    assert [m["seed"] for m in mnist] == [0, 1, 2]
    for m in mnist:  # each fitted its schedule to its budget, at most 3 passes of 10 steps
        assert m["budget"]["steps"] == m["steps"] and 0 < m["steps"] <= 30
        assert 0 <= m["test_accuracy"] <= 1
    accuracies = [m["test_accuracy"] for m in mnist]
    assert report["mnist_test_accuracy"]["n"] == 3
    assert abs(report["mnist_test_accuracy"]["mean"] - sum(accuracies) / 3) < 1e-12
    cats_dogs = processes["cats_dogs"]
    assert sorted(cats_dogs["summary"]["results"]) == ["ssl_gan", "supervised"]
    # 108 unlabeled photos in one batch of 100: 6 epochs of 1 step, for each model.
    assert (cats_dogs["summary"]["steps"], cats_dogs["summary"]["epochs"]) == (6, 6)
    # float32 on a CPU (--tiny's default; the suite's is mixed_float16 on a GPU)
    assert "--dtype-policy float32" in cats_dogs["command"]
    command = cats_dogs["command"].split()
    assert not any(os.path.isabs(a) and a.startswith(suite.ROOT) for a in command)


@pytest.mark.slow  # the benchmark harness, not the library
def test_conv_step_speed_times_each_variant_in_fresh_processes(tmp_path, monkeypatch, capsys):
    speed = load_benchmark("conv_step_speed", monkeypatch)
    results = tmp_path / "runs.jsonl"
    argv = ["--sizes", "16", "--steps", "2", "--product-dtypes", "float32"]
    speed.main(
        [*argv, "bfloat16", "--rounds", "2", "--models", "ssl_gan", "--results", str(results)]
    )
    speed.main([*argv, "--rounds", "1", "--models", "supervised", "--inter-op-threads", "1"])
    rows = [[c.strip() for c in line.split("|")] for line in capsys.readouterr().out.splitlines()]
    timed = {
        tuple(r[2:5]): (float(r[5]), r[6], float(r[7].replace(",", "")))
        for r in rows
        if len(r) > 7 and r[1] == "16 px"
    }
    assert set(timed) == {
        ("FM-GAN", "float32", "default"),
        ("FM-GAN", "bfloat16", "default"),
        ("supervised only", "float32", "1"),
    }
    record = json.loads(results.read_text())
    assert record["rounds"] == 2 and "cores" in record["machine"]
    # The median of the rounds recorded; throughput counts the images each step classifies:
    # 100 labeled + 100 unlabeled + 100 generated for the GAN, the 100 labeled for
    # supervised-only. (Which is faster is a benchmark's question, not a test's.)
    for (model, dtype, _), (ms, rounds, per_second) in timed.items():
        if model == "FM-GAN":
            recorded = record["ms_per_step"][f"16 px, FM-GAN, {dtype}"]
            assert len(recorded) == 2 and abs(ms - np.median(recorded)) < 0.1
            assert rounds == ", ".join(f"{x:.1f}" for x in recorded)
        images = 300 if model == "FM-GAN" else 100
        assert ms > 0 and abs(per_second - images / ms * 1e3) <= 1e-2 * per_second


def test_reference_budget_records_and_draws_a_finished_run(tmp_path, monkeypatch):
    reference = load_benchmark("reference_budget", monkeypatch)
    summary = {
        "settings": {"recipe": "paper", "method": "fm_gan", "validation": 10_000},
        "labels": 20,
        "seed": 0,
        "test_accuracy": 0.7,
        "validation_accuracy_per_epoch": [0.2, 0.5, 0.6],
        "validation_class_counts_per_epoch": [[10] * 10, [12] * 5 + [8] * 5, [20] + [9] * 9],
    }
    path = tmp_path / "summary.json"
    path.write_text(json.dumps(summary))
    results = tmp_path / "runs.jsonl"
    argv = ["--from-summary", str(path), "--results", str(results), "--docs-dir", str(tmp_path)]
    reference.main(argv)
    assert json.loads(results.read_text())["test_accuracy"] == 0.7
    assert os.path.getsize(tmp_path / "fm_gan_reference_budget.png") > 10_000
    summary["settings"]["recipe"] = "budget"
    path.write_text(json.dumps(summary))
    with pytest.raises(ValueError, match="is not a run of"):
        reference.main(argv)


def test_table_legends_name_the_settings_or_the_version_that_tell_rows_apart(monkeypatch):
    table = load_benchmark("mnist_table", monkeypatch)
    old = "keras_sslgan 0.3.0.dev0, triple_gan --batch-size 100, 1500 s"
    new = "keras_sslgan 0.3.0.dev2, triple_gan --batch-size 100, 1500 s"
    other = "keras_sslgan 0.3.0.dev2, triple_gan --batch-size 50, 1500 s"
    fm_gan = "keras_sslgan 0.3.0.dev2, fm_gan --batch-size 25, 1500 s"
    assert table.legend(fm_gan, [fm_gan, old]) == "FM-GAN"
    assert table.legend(old, [old, new]) == "Triple-GAN (0.3.0.dev0)"
    assert table.legend(other, [old, new, other]) == "Triple-GAN --batch-size 50"
    # The consistency term names its rows: beside the plain method, not one of its settings.
    mean_teacher = f"{old.rsplit(', ', 1)[0]} --consistency-weight 10.0, 1500 s"
    assert table.legend(mean_teacher, [old, mean_teacher]) == "Triple-GAN + Mean Teacher"
    pi = mean_teacher.replace(", 1500 s", " --consistency-teacher pi, 1500 s")
    assert table.legend(pi, [mean_teacher, pi]) == "Triple-GAN + Pi-model"
    fixmatch = mean_teacher.replace(", 1500 s", " --consistency-teacher fixmatch, 1500 s")
    assert table.legend(fixmatch, [mean_teacher, fixmatch]) == "Triple-GAN + FixMatch"
    alone = (
        "keras_sslgan 0.3.0.dev7, supervised --classifier conv --consistency-weight 30.0, 1500 s"
    )
    assert table.legend(alone, [alone, fm_gan]) == "consistency only (Mean Teacher)"
    assert table.legend(new, [old, new, other]) == "Triple-GAN --batch-size 100 (0.3.0.dev2)"
    # Rows of a kind apart by one option of many: that option alone names them.
    weight_30 = mean_teacher.replace(", 1500 s", " --translate 0.1, 1500 s")
    weight_30 = weight_30.replace("--consistency-weight 10.0", "--consistency-weight 30.0")
    weight_10 = weight_30.replace("30.0", "10.0")
    assert table.legend(weight_30, [weight_10, weight_30]) == (
        "Triple-GAN + Mean Teacher --consistency-weight 30.0"
    )
    assert table.flag_list(weight_30) == [
        "--batch-size 100",
        "--consistency-weight 30.0",
        "--translate 0.1",
    ]


@pytest.mark.slow  # the benchmark harness, not the library
def test_same_weights_fingerprints_a_run_and_repeats_it(data_dir, monkeypatch, capsys):
    """Two runs of the page under op determinism: the same weights and confusion."""
    same = load_benchmark("same_weights", monkeypatch)
    monkeypatch.setenv("KERAS_SSLGAN_DATA", data_dir)
    page = os.path.join(os.path.dirname(__file__), os.pardir, "examples", "mnist.py")
    settings = '{"epochs": 1, "unlabeled": 300, "labels": 20, "method": "supervised"}'
    first, second = (same.main([page, settings]) for _ in range(2))
    assert first == second and len(first["weights"]) == 16
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["weights"] == first["weights"]


@pytest.mark.parametrize("method", ["supervised", "triple_gan"])
def test_mnist_run_trains_with_the_consistency_term(mnist_run, data_dir, tmp_path, method):
    """`--consistency-weight` with `--translate`: the term is logged, positive, and
    recorded in the run's settings; the model saves its augmentation."""
    argv = ["--data-dir", os.path.join(data_dir, "mnist"), "--method", method, "--labels", "20"]
    argv += ["--unlabeled", "400", "--epochs", "1", "--output-dir", str(tmp_path)]
    argv += ["--verbose", "0", "--consistency-weight", "10", "--consistency-rampup", "2"]
    argv += ["--translate", "0.1", "--consistency-teacher", "pi"]
    summary = mnist_run.main(argv)
    assert summary["final_logs"]["consistency_loss"] > 0
    assert summary["settings"]["consistency_weight"] == 10.0
    model = keras_sslgan.load_model(tmp_path / "model.keras")
    assert isinstance(model.augmentation, keras.layers.RandomTranslation)
    assert model.get_compile_config()["consistency_teacher"] == "pi"


def test_mnist_table_keys_runs_without_the_consistency_term_as_before(mnist_run, monkeypatch):
    """Options added at their defaults leave a run's key (and so its folder) as it was;
    a run with the term on is another row."""
    table = load_benchmark("mnist_table", monkeypatch)
    defaults = table.example_defaults(mnist_run)
    old = {
        k: v for k, v in defaults.items() if not k.startswith("consistency") and k != "translate"
    }
    run = {"settings": {**old, "method": "triple_gan"}, "version": "0.3.0.dev2"}
    with_defaults = {"settings": {**defaults, "method": "triple_gan"}, "version": "0.3.0.dev2"}
    on = {
        "settings": {**defaults, "method": "triple_gan", "consistency_weight": 10.0},
        "version": "0.3.0.dev2",
    }
    assert table.key(run, defaults) == table.key(with_defaults, defaults)
    assert "consistency" not in table.key(run, defaults)
    assert table.key(on, defaults) != table.key(run, defaults)


def test_pytorch_step_networks_compute_the_keras_networks(monkeypatch):
    """The side-by-side benchmark times the same networks: with the Keras model's weights
    copied in (noise off), the PyTorch discriminator and generator give its outputs."""
    torch = pytest.importorskip("torch")
    bench = load_benchmark("pytorch_step", monkeypatch)
    keras.utils.set_random_seed(0)
    d_keras = keras_sslgan.networks.mnist_discriminator(input_noise=0.0, hidden_noise=0.0)
    g_keras = keras_sslgan.networks.mnist_generator()
    d_torch, g_torch = bench.torch_networks(input_noise=0.0, hidden_noise=0.0)

    def copy_weight_norm(layer, module):
        weight = module.parametrizations.weight
        with torch.no_grad():
            weight.original1.copy_(torch.from_numpy(layer.kernel.numpy().T))  # v: (out, in)
            weight.original0.copy_(torch.from_numpy(layer.scale.numpy()[:, None]))  # g
            module.bias.copy_(torch.from_numpy(layer.bias.numpy()))

    dense = [
        layer
        for layer in d_keras.layers
        if isinstance(layer, keras_sslgan.networks.WeightNormDense)
    ]
    for layer, module in zip(dense, [*d_torch.hidden, d_torch.logits]):
        copy_weight_norm(layer, module)
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, (16, 28, 28, 1)).astype("float32")
    logits, features = d_keras(x)
    t_logits, t_features = d_torch(torch.from_numpy(x))
    np.testing.assert_allclose(t_logits.detach().numpy(), logits.numpy(), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(t_features.detach().numpy(), features.numpy(), rtol=1e-4, atol=1e-4)

    dense, norms = (
        [layer for layer in g_keras.layers if type(layer) is keras.layers.Dense],
        [layer for layer in g_keras.layers if type(layer) is keras.layers.BatchNormalization],
    )
    with torch.no_grad():
        for layer, module in zip(dense, g_torch.dense):
            module.weight.copy_(torch.from_numpy(layer.kernel.numpy().T))
        for layer, module in zip(norms, g_torch.norms):
            module.bias.copy_(torch.from_numpy(layer.beta.numpy() + 0.25))
            layer.beta.assign(layer.beta.numpy() + 0.25)
    copy_weight_norm(g_keras.get_layer("output"), g_torch.output_layer)
    z = rng.uniform(0, 1, (32, 100)).astype("float32")
    expected = g_keras(z, training=True).numpy().reshape(32, -1)  # batch statistics
    got = g_torch.train()(torch.from_numpy(z)).detach().numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4)


def test_thread_speed_reads_its_settings(monkeypatch):
    speed = load_benchmark("thread_speed", monkeypatch)
    assert speed.parse_setting("defaults=") == ("defaults", {})
    assert speed.parse_setting("both=TF_NUM_INTRAOP_THREADS=1,OMP_NUM_THREADS=2") == (
        "both",
        {"TF_NUM_INTRAOP_THREADS": "1", "OMP_NUM_THREADS": "2"},
    )


def test_thread_speed_deals_the_busiest_threads_over_the_cpus(monkeypatch):
    speed = load_benchmark("thread_speed", monkeypatch)
    assert speed.alternate_cpus([41, 7, 12, 9, 30], {3, 1}) == {41: 1, 7: 3, 12: 1, 9: 3, 30: 1}
    assert speed.alternate_cpus([5], {0, 1}) == {5: 0}
    threads = dict(speed.task_stats())
    assert threading.get_native_id() in threads  # this thread, by its id
    assert all(len(fields) > 36 for fields in threads.values())  # up to the last CPU
    # the main thread's CPU time before the steps does not count; a new thread from 0
    assert speed.busiest({1: 900, 2: 5, 4: 0}, {1: 901, 2: 50, 3: 20, 4: 1}, 2) == [2, 3]
    assert set(speed.cpu_ticks()) == set(threads)
    for argv in (["--step", "conv32", "--setting", "p=THREAD_SPEED_PIN=four"],
                 ["--data-dir", ".", "--setting", "p=THREAD_SPEED_PIN=4"]):  # fmt: skip
        with pytest.raises(SystemExit):  # refused before any process starts
            speed.main(argv)


def test_thread_speed_counts_the_onednn_kernels_a_process_created(monkeypatch):
    speed = load_benchmark("thread_speed", monkeypatch)
    conv = (
        "onednn_verbose,v1,primitive,create:cache_miss,cpu,convolution,brg_conv_fwd:avx512_core,"
        "forward_training,src:f32::blocked:acdb::f0,attr-scratchpad:user,alg:convolution_direct,"
        "mb2_ic3oc4_ih8oh8kh3sh1dh0ph1_iw8ow8kw3sw1dw0pw1,0.312012"
    )
    lines = [
        "onednn_verbose,v1,info,cpu,runtime:threadpool,nthr:2",
        conv,
        "onednn_verbose,v1,primitive,create:cache_miss,cpu,reorder,jit:uni,undef,src:f32,,,4x3,0.08",
        conv.replace("mb2_", "mb4_"),
        conv.replace("cache_miss", "cache_hit"),  # taken from oneDNN's cache, not built
        '{"ms_per_step": 1.0}',
    ]
    assert speed.kernels(lines) == {
        "convolution brg_conv_fwd:avx512_core": 2,
        "reorder jit:uni": 1,
        "cache hits": 1,
    }
    busiest = speed.thread_seconds(top=3)
    assert 1 <= len(busiest) <= 3 and busiest == sorted(busiest, reverse=True)


def test_thread_speed_times_each_onednn_primitive_and_tables_compare_settings(monkeypatch):
    speed = load_benchmark("thread_speed", monkeypatch)
    tables = load_benchmark("tables", monkeypatch)
    exec_line = (
        "onednn_verbose,v1,primitive,exec,cpu,convolution,jit_bf16:avx512_core_bf16,"
        "backward_weights,src:bf16::blocked:acdb::f0 wei:bf16,attr-scratchpad:user,"
        "alg:convolution_direct,mb100_ic64oc128_ih16oh8kh4sh2dh0ph1_iw16ow8kw4sw2dw0pw1,{}"
    )
    lines = [
        "onednn_verbose,v1,info,cpu,runtime:threadpool,nthr:2",
        exec_line.format("17.0"),
        exec_line.format("15.0"),
        exec_line.format("30.0"),
        exec_line.replace("src:bf16::blocked:acdb", "src:bf16::blocked:abcd").format("16.0"),
        "onednn_verbose,v1,primitive,exec,cpu,reorder,jit:uni,undef,src:f32,,,4x3,0.5",
        "onednn_verbose,v1,primitive,create:cache_miss,cpu,reorder,jit:uni,undef,src:f32,,,4x3,9",
        '{"ms_per_step": 1.0}',
    ]
    conv = "convolution jit_bf16:avx512_core_bf16 backward_weights " + (
        "mb100_ic64oc128_ih16oh8kh4sh2dh0ph1_iw16ow8kw4sw2dw0pw1"
    )
    # layouts alike share one entry: median of 17, 15, 30, 16 = 16.5
    assert speed.exec_times(lines) == {conv: [4, 16.5], "reorder jit:uni undef 4x3": [1, 0.5]}
    record = {
        "machine": "a CPU", "date": "2026-12-07", "label": "census", "steps": 2, "step": "conv32",
        "rounds": 2, "primitives": {
            "defaults": [{conv: [44, 10.0], "reorder jit:uni undef 4x3": [22, 1.0]},
                         {conv: [44, 14.0], "reorder jit:uni undef 4x3": [22, 3.0]}],
            "intra1": [{conv: [44, 20.0]}, {conv: [44, 22.0]}],
        },
    }  # fmt: skip
    alone = [
        {"ms_alone": {"defaults": {f"backward_weights:{conv.split()[-1]}": [9.0, 99.0]}}},
        {"ms_alone": {"defaults": {f"backward_weights:{conv.split()[-1]}": [8.0, 10.0]}}},
    ]  # the latest record of a problem counts
    table = tables.primitives_table([{"ms_per_step": {}}, record], alone)
    rows = [line for line in table.splitlines() if line.startswith("| convolution")]
    rows += [line for line in table.splitlines() if line.startswith("| reorder")]
    assert "a CPU, 2026-12-07, census; 2 processes per setting" in table
    assert "| defaults (ms) | intra1 (ms) | alone, defaults (ms) |" in table
    assert rows[0].endswith("| 2 | 12.00 | 21.00 | 9.00 |")  # 44 executions over 22 steps
    assert rows[1].endswith("| 1 | 2.00 | - | - |")  # no reorder ran with one thread
    assert tables.primitives_table([{"ms_per_step": {}}]).startswith("No record")


def test_primitive_alone_reads_onednn_problems_and_times_one(monkeypatch, tmp_path):
    alone = load_benchmark("primitive_alone", monkeypatch)
    assert alone.parse_problem(
        "backward_weights:mb300_ic32oc64_ih16oh16kh3sh1dh0ph1_iw16ow16kw3sw1dw0pw1"
    ) == ("backward_weights", [300, 16, 16, 32], [3, 3, 32, 64], [300, 16, 16, 64], (1, 1), "SAME")
    assert (
        alone.parse_problem(  # 16 = ceil(32 / 2): SAME, padded at the end only
            "forward_training:mb2_ic32oc32_ih32oh16kh3sh2dh0ph0_iw32ow16kw3sw2dw0pw0"
        )[-1]
        == "SAME"
    )
    assert (
        alone.parse_problem(  # 6 = (8 - 3) / 1 + 1: VALID
            "backward_data:mb3_ic64oc128_ih8oh6kh3sh1dh0ph0_iw8ow6kw3sw1dw0pw0"
        )[-1]
        == "VALID"
    )
    for wrong in (
        "sideways:mb3_ic64oc128_ih8oh6kh3sh1dh0ph0_iw8ow6kw3sw1dw0pw0",  # no such propagation
        "backward_data:mb3_ic64oc128_ih8oh6kh3sh1dh1ph0_iw8ow6kw3sw1dw1pw0",  # dilated
        "backward_data:mb3_ic64oc128_ih8oh7kh3sh1dh0ph0_iw8ow7kw3sw1dw0pw0",  # neither
    ):
        with pytest.raises(ValueError, match=re.escape(repr(wrong))):
            alone.parse_problem(wrong)
    with pytest.raises(SystemExit):
        alone.main(["--problem", "sideways:mb3"])
    for propagation in alone.PROPAGATIONS:  # each runs, in this process
        problem = f"{propagation}:mb2_ic3oc4_ih8oh4kh3sh2dh0ph0_iw8ow4kw3sw2dw0pw0"
        assert alone.time_alone(problem, repeats=2) > 0


def test_vcpu_probe_compares_one_loop_per_cpu_with_one_alone(monkeypatch):
    probe = load_benchmark("vcpu_probe", monkeypatch)
    result = probe.main(["--seconds", "0.2"])
    assert result["cpus"] == len(os.sched_getaffinity(0)) == len(result["together"])
    assert result["alone"] > 0
    mean = sum(result["together"]) / len(result["together"])
    assert result["ratio"] == pytest.approx(mean / result["alone"])
    with pytest.raises(SystemExit):
        probe.main(["--seconds", "0"])


@pytest.mark.slow  # two fresh processes
def test_thread_speed_times_each_setting_in_fresh_processes(data_dir, tmp_path, monkeypatch):
    speed = load_benchmark("thread_speed", monkeypatch)
    argv = ["--data-dir", os.path.join(data_dir, "mnist"), "--steps", "4", "--skip", "1"]
    argv += ["--setting", "defaults=", "--setting", "intra1=TF_NUM_INTRAOP_THREADS=1"]
    record = speed.main(argv + ["--rounds", "1", "--results", str(tmp_path / "r.jsonl")])
    assert record["settings"] == {"defaults": {}, "intra1": {"TF_NUM_INTRAOP_THREADS": "1"}}
    assert all(len(v) == 1 and v[0] > 0 for v in record["ms_per_step"].values())


@pytest.mark.slow  # one fresh process, 22 conv steps
def test_thread_speed_times_the_conv_step(tmp_path, monkeypatch):
    speed = load_benchmark("thread_speed", monkeypatch)
    setting = "intra1=TF_NUM_INTRAOP_THREADS=1,THREAD_SPEED_PIN=2"  # and pinned after 20 steps
    argv = ["--step", "conv32", "--steps", "2", "--rounds", "1", "--setting", setting,
            "--results", str(tmp_path / "r.jsonl")]  # fmt: skip
    record = speed.main(argv + ["--census", "--primitives"])  # both kinds of verbose line
    assert record["step"] == "conv32" and record["ms_per_step"]["intra1"][0] > 0
    (primitives,) = record["primitives"]["intra1"]
    assert any(n.startswith("convolution ") and e >= 22 for n, (e, _) in primitives.items())
    (census,) = record["census"]["intra1"]
    assert any(name.startswith("convolution ") for name in census["kernels"])
    assert census["thread_seconds"][0] > 0
    assert len(census["vcpu_ratio"]) == 2 and all(r > 0 for r in census["vcpu_ratio"])
    assert sum(census["runnable_samples"].values()) > 0  # the step ran at least one thread
    with pytest.raises(SystemExit):  # the MNIST step needs MNIST's folder
        speed.main(["--data-dir", str(tmp_path / "missing")])


def test_cats_dogs_budget_table_compares_budgets_on_validation(monkeypatch):
    budget = load_benchmark("cats_dogs_budget", monkeypatch)
    base = dict(budget.SETTING, product_dtype="bfloat16")
    records = [
        dict(base, method="SSL-GAN", epochs=30, steps=2700, seed=0, test_accuracy=0.55,
             val_accuracy=[0.5, 0.6, 0.58]),
        dict(base, method="SSL-GAN", epochs=30, steps=2700, seed=1, test_accuracy=0.57,
             val_accuracy=[0.5, 0.52, 0.54]),
        dict(base, method="supervised only", epochs=90, steps=8100, seed=0, test_accuracy=0.5,
             val_accuracy=[0.51], machine="Intel(R) Xeon(R) Processor (AMX), 2 cores"),
        dict(base, method="supervised only", epochs=90, steps=8100, seed=1, test_accuracy=0.4,
             val_accuracy=[0.41]),  # another machine: a row of its own
        dict(base, method="SSL-GAN", epochs=90, steps=8100, seed=0, test_accuracy=0.6,
             val_accuracy=[0.6], teacher="fixmatch"),  # another setting: left out
    ]  # fmt: skip
    lines = budget.table(budget.runs(records)).splitlines()
    assert lines[2:] == [
        "| 30 | 2700 | AMD EPYC | SSL-GAN | [0, 1] | 56.00 | 57.00 | 56.00 |",
        "| 90 | 8100 | AMD EPYC | supervised only | [1] | 41.00 | 41.00 | 40.00 |",
        "| 90 | 8100 | Xeon (AMX) | supervised only | [0] | 51.00 | 51.00 | 50.00 |",
    ]
