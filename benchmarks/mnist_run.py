"""The MNIST run of the benchmarks: `examples/mnist.py`'s job with every option.

`examples/mnist.py` is the page a user reads; this is the harness the tables run. It
trains one model from the recipes (`keras_sslgan.recipes`) with every setting an
option, and adds what a benchmark needs: a wall-clock budget (`--budget-seconds`: the
steps that fit are measured on a copy of the model first, and the schedule ends on
time; `--budget-plan` reuses another run's), a validation split with per-epoch
accuracy and predicted-class counts, per-epoch test curves (`--test-every-epoch`),
resumable runs (`--backup-dir`), the machine's name, and a JSON summary that
`mnist_table.py` and `reference_budget.py` keep as records. Some defaults depend on the
method (`--help` after `--method` shows them) and on `--recipe`. The tables call
`run(**settings)` with the options as keyword arguments.

    python benchmarks/mnist_run.py --data-dir path/to/mnist --labels 100 --budget-seconds 1500
"""

import argparse
import csv
import json
import os
import time

import keras
import numpy as np
from machine_name import machine

import keras_sslgan


def evaluate_on_test(model, x_test, y_test):
    """The page's test report: `(accuracy, confusion)`, printed with the most frequent
    error."""
    accuracy, confusion = keras_sslgan.diagnostics.confusion_matrix(model, x_test, y_test)
    print(f"test accuracy (final epoch, EMA weights): {accuracy:.4f}")
    errors = confusion - np.diag(np.diag(confusion))
    true, called = np.unravel_index(np.argmax(errors), errors.shape)
    print(f"most frequent test error: {errors[true, called]} {true}s called {called}")
    return accuracy, confusion


def format_report(report):
    """`diversity 0.81 (min 0.52), label fidelity 97% (min 88%)`: a generator report in
    a line (means over the classes)."""
    parts = []
    for name, scale, unit in (("diversity", 1, ""), ("label_fidelity", 100, "%")):
        values = np.atleast_1d(report.get(name, [])) * scale
        if len(values) == 1:
            parts.append(f"{name.replace('_', ' ')} {values[0]:.2f}{unit}")
        elif len(values):
            digits = 0 if unit else 2
            parts.append(
                f"{name.replace('_', ' ')} {values.mean():.{digits}f}{unit} "
                f"(min {values.min():.{digits}f}{unit})"
            )
    return ", ".join(parts)


class EpochTimer(keras.callbacks.Callback):
    """Records the wall-clock training seconds of each epoch (validation left out).

    They also go into the epoch's logs as `epoch_seconds`, for the callbacks after it.
    """

    def on_train_begin(self, logs=None):
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()
        self._testing = 0.0

    def on_test_begin(self, logs=None):
        self._test_start = time.perf_counter()

    def on_test_end(self, logs=None):
        self._testing += time.perf_counter() - self._test_start

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self._start - self._testing)
        if logs is not None:
            logs["epoch_seconds"] = self.seconds[-1]


def read_epoch_log(path):
    """`[logs of epoch 0, logs of epoch 1, ...]` from a `keras.callbacks.CSVLogger` file.

    An epoch logged twice (a run stopped after its log line but before its backup does
    that epoch again) keeps its last line.
    """
    with open(path, newline="") as f:
        rows = {int(row.pop("epoch")): row for row in csv.DictReader(f)}
    return [{k: float(v) for k, v in rows[e].items()} for e in sorted(rows)]


# Arguments a resumed run may change: where things are, and how much it prints.
RUN_ONLY_ARGUMENTS = ("data_dir", "output_dir", "backup_dir", "verbose", "budget_plan")


def check_backup_settings(args, backup_dir):
    """Refuses to resume a backup made with other settings; records them on a new run.

    Every argument but those in `RUN_ONLY_ARGUMENTS` must match: the backed-up state
    belongs to one run. An option the backup does not record (added to the example
    since) counts as its default, which is what that run did.
    """
    settings = {k: v for k, v in sorted(vars(args).items()) if k not in RUN_ONLY_ARGUMENTS}
    defaults = vars(build_parser(args.method, args.recipe).parse_args([]))
    path = os.path.join(backup_dir, "settings.json")
    if os.path.exists(path):
        with open(path) as f:
            saved = json.load(f)
        saved = {k: saved.get(k, defaults[k]) for k in settings}
        changed = {k: (saved[k], v) for k, v in settings.items() if saved[k] != v}
        if changed:
            raise ValueError(
                f"`--backup-dir {backup_dir}` holds a run with other settings; use another "
                "folder, or the same arguments to resume it. Differences (backed up, now): "
                + ", ".join(f"--{k.replace('_', '-')} {a} -> {b}" for k, (a, b) in changed.items())
            )
    with open(path, "w") as f:
        json.dump(settings, f, indent=2)


# Where a method's default differs from FM-GAN's (the Triple-GAN authors' settings).
METHOD_DEFAULTS = {
    "triple_gan": {
        "d_learning_rate": 1e-3,
        "entropy_weight": 0.3,
        "balance_weight": 1e-3,
        "ema_momentum": 0.99,
        "batch_size": 200,
    },
}
# The good-and-bad GAN is Triple-GAN's game plus the bad generator (the paper's weights).
METHOD_DEFAULTS["good_bad_gan"] = {
    **METHOD_DEFAULTS["triple_gan"],
    "pull_away_weight": 0.8,
    "feature_distance": "l1",
}
# `--recipe paper`: the options' defaults from the card of the authors' code (the other
# settings of the card, Adam's betas, follow `--recipe` in the recipe itself).
_SALIMANS_OPTIONS = ("d_learning_rate", "g_learning_rate", "decay_fraction", "ema_momentum",
                     "adam_epsilon", "input_noise", "hidden_noise")  # fmt: skip
PAPER_DEFAULTS = {
    method: {name: card[name] for name in _SALIMANS_OPTIONS}
    for method, card in (
        ("fm_gan", keras_sslgan.recipes.SALIMANS_MNIST),
        ("supervised", keras_sslgan.recipes.SALIMANS_MNIST),
        ("bad_gan", keras_sslgan.recipes.DAI_MNIST),
    )
}


def consistency_settings(args):
    """The recipe arguments of the consistency term (none when it is off, so that the
    models of earlier runs are built as they were)."""
    if not args.consistency_weight:
        return {}
    augmentation = None
    if args.translate:
        augmentation = keras.layers.RandomTranslation(
            args.translate, args.translate, fill_mode="constant", seed=args.seed
        )
    settings = dict(
        consistency_weight=args.consistency_weight,
        consistency_rampup=args.consistency_rampup,
        consistency_teacher=args.consistency_teacher,
        augmentation=augmentation,
    )
    if args.consistency_teacher == "fixmatch":  # the weak view: --translate's
        settings["consistency_threshold"] = args.consistency_threshold
        settings["strong_augmentation"] = keras_sslgan.recipes.strong_augmentation(
            (0, 1), args.strength, seed=args.seed
        )
    return settings


def build_model(args, steps, density=None):
    """The method's MNIST recipe with the run's settings, its schedule spanning `steps`
    training steps (Bad GAN's `density`: the `(density_model, threshold)` of
    `keras_sslgan.recipes.mnist_density_model`)."""
    if args.method == "bad_gan":
        return keras_sslgan.recipes.dai_mnist(
            *density,
            budget=args.recipe == "budget",
            density_weight=args.density_weight,
            density_start=args.density_start,
            density_every=args.density_every,
            pull_away_weight=args.pull_away_weight,
            feature_distance=args.feature_distance,
            generator_loss=args.generator_loss,
            **{k: v for k, v in salimans_settings(args, steps).items() if k != "budget"},
            **consistency_settings(args),
            product_dtype=args.product_dtype,
        )
    if args.method == "supervised" and args.classifier == "conv":
        # Triple-GAN's conv C on the labels alone (its rate: the classifier's,
        # --d-learning-rate), with the terms given: the consistency-only baseline.
        return keras_sslgan.recipes.li_mnist(
            "conv",
            method="supervised",
            budget=True,
            steps=steps,
            learning_rate=args.d_learning_rate,
            decay_fraction=args.decay_fraction,
            ema_momentum=args.ema_momentum,
            adam_epsilon=args.adam_epsilon,
            entropy_weight=args.entropy_weight,
            balance_weight=args.balance_weight,
            seed=args.seed,
            jit_compile=args.jit_compile,
            steps_per_execution=args.steps_per_execution,
            **consistency_settings(args),
            product_dtype=args.product_dtype,
        )
    if args.method in ("triple_gan", "good_bad_gan"):
        good_bad = {}
        if args.method == "good_bad_gan":
            good_bad = dict(
                unlabeled_weight=args.unlabeled_weight,
                pull_away_weight=args.pull_away_weight,
                feature_distance=args.feature_distance,
            )
        return keras_sslgan.recipes.li_mnist(
            args.classifier,
            method=args.method,
            budget=True,
            steps=steps,
            label_expectation=args.label_expectation,
            generated_batch_size=args.generated_batch_size or args.batch_size,
            discriminator_labeled_batch_size=args.discriminator_labeled_batch_size,
            pseudo_labeled_fraction=args.pseudo_labeled_fraction,
            input_noise=args.input_noise,
            hidden_noise=args.hidden_noise,
            learning_rate=args.g_learning_rate,
            d_learning_rate=args.d_learning_rate,
            decay_fraction=args.decay_fraction,
            ema_momentum=args.ema_momentum,
            adam_epsilon=args.adam_epsilon,
            entropy_weight=args.entropy_weight,
            balance_weight=args.balance_weight,
            pseudo_discriminative_weight=args.pseudo_discriminative_weight,
            pseudo_discriminative_start=args.pseudo_discriminative_start,
            seed=args.seed,
            jit_compile=args.jit_compile,
            steps_per_execution=args.steps_per_execution,
            **good_bad,
            **consistency_settings(args),
            product_dtype=args.product_dtype,
        )
    return keras_sslgan.recipes.salimans_mnist(
        args.method,
        generator_loss=args.generator_loss,
        **salimans_settings(args, steps),
        **consistency_settings(args),
        product_dtype=args.product_dtype,
    )


# Steps per timed epoch of the budget calibration (three such epochs; the first traces).
CALIBRATION_STEPS = 20


def timed_steps(train, steps=CALIBRATION_STEPS):
    """`(seconds per step, seconds of first-call overhead)` of `train`, a `fit`-like
    callable run for three epochs of `steps` steps: the first traces and starts the data
    pipeline, the faster of the other two is the steady step (a moment of other work on
    the machine slows one of them, rarely both)."""
    timer = EpochTimer()
    train(epochs=3, steps_per_epoch=steps, callbacks=[timer], verbose=0)
    first, *steady = timer.seconds
    return min(steady) / steps, max(first - min(steady), 0.0)


def split_steps(steps, steps_per_pass):
    """`(epochs, steps_per_epoch)`: at most `steps` steps in the fewest epochs of at most
    one unlabeled pass (`steps_per_pass` steps) each, all of one length."""
    epochs = -(-steps // steps_per_pass)
    return epochs, steps // epochs


def plan_budget(args, labeled, x_unlabeled, density, spent_seconds):
    """The training steps that fit in what is left of `--budget-seconds`, and how they
    were found.

    The schedule is compiled into the training step, so the steps must be known before
    the model is built: a copy of the model (same recipe and settings) is timed for
    `3 * CALIBRATION_STEPS` game steps (and as many pre-training steps when the method
    pre-trains), and the steps left after what is already spent (`spent_seconds`: Bad
    GAN's density fit), the calibration, the pre-training and the first call's tracing
    are the game's. They are cut into epochs of at most one unlabeled pass. Returns a
    dict: `steps`, `epochs`, `steps_per_epoch`, `seconds_per_step`, `pretrain_seconds`
    (estimated), `calibration_seconds`.
    """
    start = time.perf_counter()
    probe = build_model(args, steps=10**6, density=density)
    seconds_per_step, overhead = timed_steps(
        lambda **kw: probe.fit(
            labeled,
            x_unlabeled,
            batch_size=args.batch_size,
            labeled_batch_size=args.labeled_batch_size,
            **kw,
        )
    )
    pretrain_seconds = 0.0
    if isinstance(probe, keras_sslgan.TripleGAN) and args.pretrain_epochs:
        batch_size = min(500, len(x_unlabeled))
        per_step, pretrain_overhead = timed_steps(
            lambda **kw: probe.pretrain_classifier(
                labeled,
                x_unlabeled,
                batch_size=batch_size,
                labeled_batch_size=min(100, len(labeled[0])),
                **kw,
            )
        )
        pretrain_steps = args.pretrain_epochs * (len(x_unlabeled) // batch_size)
        pretrain_seconds = pretrain_steps * per_step + pretrain_overhead
    calibration_seconds = time.perf_counter() - start
    left = args.budget_seconds - spent_seconds - calibration_seconds - pretrain_seconds - overhead
    if left < seconds_per_step:
        raise ValueError(
            f"`--budget-seconds {args.budget_seconds:g}` leaves no time to train: "
            f"{args.budget_seconds - left:.0f} s go to set-up, calibration and "
            f"pre-training, and a step takes {seconds_per_step:.3f} s."
        )
    steps, steps_per_pass = int(left // seconds_per_step), len(x_unlabeled) // args.batch_size
    if args.max_epochs is not None:
        steps = min(steps, args.max_epochs * steps_per_pass)
    epochs, steps_per_epoch = split_steps(steps, steps_per_pass)
    return {
        "steps": epochs * steps_per_epoch,
        "epochs": epochs,
        "steps_per_epoch": steps_per_epoch,
        "seconds_per_step": seconds_per_step,
        "pretrain_seconds": pretrain_seconds,
        "calibration_seconds": calibration_seconds,
        "machine": machine(),  # where the step was timed: the plan's seconds are its
    }


def salimans_settings(args, steps):
    """The run's settings of `keras_sslgan.recipes.salimans_mnist`."""
    return dict(
        budget=args.recipe == "budget",
        steps=steps,
        head=args.head,
        input_noise=args.input_noise,
        hidden_noise=args.hidden_noise,
        d_learning_rate=args.d_learning_rate,
        # The supervised baseline has no generator (the recipe refuses its settings).
        g_learning_rate=None if args.method == "supervised" else args.g_learning_rate,
        decay_fraction=args.decay_fraction,
        ema_momentum=args.ema_momentum,
        adam_epsilon=args.adam_epsilon,
        unlabeled_weight=args.unlabeled_weight,
        entropy_weight=args.entropy_weight,
        balance_weight=args.balance_weight,
        seed=args.seed,
        jit_compile=args.jit_compile,
        steps_per_execution=args.steps_per_execution,
    )


def build_parser(method="fm_gan", recipe="budget"):
    """The options, with the defaults of `method` (`METHOD_DEFAULTS`) and `recipe`
    (`PAPER_DEFAULTS`)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data-dir",
        default=None,
        help="directory with the MNIST IDX .gz files "
        "(default: $KERAS_SSLGAN_DATA/mnist, downloading if absent)",
    )
    parser.add_argument(
        "--method",
        default="fm_gan",
        choices=keras_sslgan.recipes.MNIST_METHODS,
        help="fm_gan: the SSL-GAN of Salimans et al.; supervised: the same discriminator "
        "network on the labels alone; triple_gan: Triple-GAN of Li et al.; bad_gan: Bad GAN "
        "of Dai et al. (FM-GAN with a low-density term by a density model fitted first); "
        "good_bad_gan: the good-and-bad GAN of Li et al. 2019 (Triple-GAN's game plus a bad "
        "generator; the triple_gan options apply)",
    )
    parser.add_argument(
        "--recipe",
        default="budget",
        choices=["budget", "paper"],
        help="budget: settings chosen on a validation split for about 20 epochs on a CPU; "
        "paper: the authors' code's (fm_gan, bad_gan, supervised: keras_sslgan.recipes."
        "SALIMANS_MNIST, to train for 300 epochs); the options below override either",
    )
    parser.add_argument("--labels", type=int, default=100, help="labeled examples, balanced")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument(
        "--budget-seconds",
        type=float,
        default=None,
        help="train for this many wall-clock seconds instead of --epochs (density fit, "
        "pre-training and a short timing of the step included): the schedule spans the "
        "steps that fit, measured on a copy of the model first",
    )
    parser.add_argument(
        "--max-epochs",
        type=int,
        default=None,
        help="with --budget-seconds: train at most this many unlabeled passes, however "
        "many more the budget would allow (e.g. a paper's 300 on a GPU)",
    )
    parser.add_argument("--head", default="logsumexp", choices=["logsumexp", "k_plus_one"])
    parser.add_argument(
        "--generator-loss",
        default="feature_matching",
        choices=["feature_matching", "non_saturating"],
    )
    parser.add_argument(
        "--unlabeled",
        type=int,
        default=None,
        help="use the first N training images as unlabeled data (default: all)",
    )
    parser.add_argument(
        "--unlabeled-weight",
        type=float,
        default=1.0,
        help="weight of the unsupervised loss (fm_gan)",
    )
    parser.add_argument(
        "--entropy-weight",
        type=float,
        default=0.0,
        help="weight of the conditional entropy of the predictions on unlabeled data "
        "(Bad GAN's entropy term); 0 leaves it out",
    )
    parser.add_argument(
        "--balance-weight",
        type=float,
        default=0.0,
        help="weight of the class-balance term on unlabeled data (the classifier's mean "
        "prediction against the uniform one; Triple-GAN's, default 1e-3 there); 0 leaves "
        "it out",
    )
    parser.add_argument(
        "--input-noise", type=float, default=0.3, help="std of the noise on the input"
    )
    parser.add_argument(
        "--hidden-noise",
        type=float,
        default=0.5,
        help="std of the noise after each hidden layer of the discriminator",
    )
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument(
        "--labeled-batch-size",
        type=int,
        default=None,
        help="labeled examples per step (default: --batch-size)",
    )
    parser.add_argument("--d-learning-rate", type=float, default=3e-3)
    parser.add_argument("--g-learning-rate", type=float, default=1e-3)
    parser.add_argument(
        "--decay-fraction",
        type=float,
        default=1 / 3,
        help="final fraction of training over which both rates fall linearly to zero (0: "
        "constant rates)",
    )
    parser.add_argument("--ema-momentum", type=float, default=0.999)
    parser.add_argument(
        "--adam-epsilon", type=float, default=1e-7, help="epsilon of both Adam optimizers"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--validation",
        type=int,
        default=0,
        help="hold out the last N training images (labels known) as a validation set, "
        "evaluated with the EMA weights after every epoch; they are neither labeled nor "
        "unlabeled data. Use it to choose settings; the test set is only reported",
    )
    parser.add_argument(
        "--steps-per-execution", type=int, default=1, help="training steps per compiled call"
    )
    parser.add_argument(
        "--dtype-policy",
        default="float32",
        choices=["float32", "mixed_float16", "mixed_bfloat16"],
        help="Keras dtype policy of the networks (losses stay float32): mixed_float16 on "
        "GPUs (the optimizers then scale the loss), mixed_bfloat16 on TPUs and recent CPUs",
    )
    parser.add_argument(
        "--product-dtype",
        default="float32",
        choices=["float32", "bfloat16", "auto"],
        help="dtype of the networks' matrix products, everything else float32 "
        "(keras_sslgan.networks.with_product_dtype); auto: bfloat16 where the processor "
        "has bfloat16 arithmetic (AVX512_BF16, AMX). The table's rows use float32",
    )
    parser.add_argument("--jit-compile", action="store_true", help="compile with XLA")
    parser.add_argument(
        "--test-every-epoch",
        action="store_true",
        help="also record the EMA test accuracy after every epoch, for time-to-accuracy "
        "figures (reported only: the result is always the final epoch's)",
    )
    parser.add_argument(
        "--backup-dir",
        default=None,
        help="back up the training state here after every epoch: started again with the "
        "same directory, an interrupted run goes on from its last finished epoch "
        "(keras.callbacks.BackupAndRestore); the epoch log stays there as epochs.csv",
    )
    parser.add_argument(
        "--budget-plan",
        type=json.loads,
        default=None,
        help="with --budget-seconds: the plan of an earlier run of the same settings (its "
        "summary's `budget`, as JSON), used instead of timing the step, so that runs "
        "that differ only in labels and seed make the same steps",
    )
    consistency = parser.add_argument_group("consistency regularization (every method)")
    consistency.add_argument(
        "--consistency-weight",
        type=float,
        default=0.0,
        help="weight of the consistency term on the classifier's unlabeled predictions "
        "(keras_sslgan.losses.consistency_loss); 0 leaves it out",
    )
    consistency.add_argument(
        "--consistency-rampup", type=int, default=0, help="steps of its sigmoid ramp-up"
    )
    consistency.add_argument(
        "--consistency-teacher",
        default="mean_teacher",
        choices=keras_sslgan.engine.consistency.TEACHERS,
        help="fixmatch: a pseudo-label of the weak view (--translate), where confident, "
        "learnt on the strong view (RandAugment of --strength, then Cutout)",
    )
    consistency.add_argument(
        "--consistency-threshold",
        type=float,
        default=0.95,
        help="FixMatch's confidence threshold (its paper's 0.95)",
    )
    consistency.add_argument(
        "--strength", type=float, default=0.5, help="RandAugment's factor in FixMatch's strong view"
    )
    consistency.add_argument(
        "--translate",
        type=float,
        default=0.0,
        help="the term's augmentation: random translation by up to this fraction of the "
        "image (keras.layers.RandomTranslation); 0: none",
    )
    parser.add_argument("--output-dir", default="outputs/mnist")
    parser.add_argument("--verbose", default="auto", help="Keras fit verbosity")
    triple = parser.add_argument_group("triple_gan and good_bad_gan")
    triple.add_argument(
        "--classifier",
        default="mlp",
        choices=keras_sslgan.recipes.CLASSIFIERS,
        help="C's network: the FM-GAN discriminator's (mlp) or the authors' conv net "
        "(conv); with --method supervised, conv trains Triple-GAN's conv C on the labels "
        "alone (the consistency-only baseline with --consistency-weight)",
    )
    triple.add_argument(
        "--pretrain-epochs",
        type=int,
        default=0,
        help="epochs (batches of 500 unlabeled) of classifier pre-training on the labels, "
        "entropy and balance before the game (the authors: 30 with <= 100 labels)",
    )
    triple.add_argument("--label-expectation", default="argmax", choices=["argmax", "integrate"])
    triple.add_argument(
        "--generated-batch-size", type=int, default=None, help="default: --batch-size"
    )
    triple.add_argument(
        "--discriminator-labeled-batch-size",
        type=int,
        default=None,
        help="labeled pairs D sees per step (default: the labeled batch)",
    )
    triple.add_argument("--pseudo-labeled-fraction", type=float, default=0.5)
    triple.add_argument("--pseudo-discriminative-weight", type=float, default=0.1)
    triple.add_argument(
        "--pseudo-discriminative-start",
        type=float,
        default=0.3,
        help="fraction of training after which C also learns from G's labeled samples",
    )
    bad = parser.add_argument_group("bad_gan (and the bad generator of good_bad_gan)")
    bad.add_argument(
        "--density-weight", type=float, default=1e-4, help="weight of the low-density term"
    )
    bad.add_argument(
        "--density-start", type=int, default=9001, help="first step with the low-density term"
    )
    bad.add_argument("--density-every", type=int, default=10, help="the term is on every N-th step")
    bad.add_argument("--pull-away-weight", type=float, default=0.0)
    bad.add_argument("--feature-distance", default="l2", choices=["l2", "l1"])
    bad.add_argument(
        "--density-pca-dim", type=int, default=80, help="principal components of the density"
    )
    bad.add_argument(
        "--density-components", type=int, default=20, help="Gaussians of the density's mixture"
    )
    parser.set_defaults(**METHOD_DEFAULTS.get(method, {}))
    if recipe == "paper":
        if method not in PAPER_DEFAULTS:
            parser.error(f"--recipe paper is not available for --method {method} yet")
        parser.set_defaults(**PAPER_DEFAULTS[method])
    return parser


def parse_args(argv=None):
    """The options of `argv`, with the defaults of its `--method` and `--recipe`."""
    first = argparse.ArgumentParser(add_help=False)
    first.add_argument("--method", default="fm_gan")
    first.add_argument("--recipe", default="budget")
    known = first.parse_known_args(argv)[0]
    return build_parser(known.method, known.recipe).parse_args(argv)


def run(**settings):
    """Trains and evaluates one run; returns its summary (also written to summary.json).

    `settings` are the command-line options as keyword arguments, e.g.
    `run(method="supervised", labels=20, seed=1)`; the others take their defaults.
    """
    args = build_parser(
        settings.get("method", "fm_gan"), settings.get("recipe", "budget")
    ).parse_args([])
    unknown = sorted(set(settings) - set(vars(args)))
    if unknown:
        raise TypeError(
            f"Unknown settings {unknown}: run() takes the options of "
            "`python benchmarks/mnist_run.py --help`, with underscores."
        )
    vars(args).update(settings)
    if args.product_dtype == "auto":  # the record names what ran
        args.product_dtype = keras_sslgan.networks.default_product_dtype()
    verbose = args.verbose if args.verbose == "auto" else int(args.verbose)

    keras.utils.set_random_seed(args.seed)
    (x_train, y_train), (x_test, y_test) = keras_sslgan.datasets.mnist.load_data(args.data_dir)
    if not 0 <= args.validation < len(x_train):
        raise ValueError(
            f"`--validation` must be in [0, {len(x_train)}). Received: {args.validation}"
        )
    if args.budget_seconds is not None and not args.budget_seconds > 0:
        raise ValueError(
            f"`--budget-seconds` must be > 0. Received: --budget-seconds {args.budget_seconds}"
        )
    if args.max_epochs is not None and (args.budget_seconds is None or args.max_epochs < 1):
        raise ValueError(
            "`--max-epochs` caps a `--budget-seconds` run and must be >= 1. Received: "
            f"--max-epochs {args.max_epochs} with --budget-seconds {args.budget_seconds}"
        )
    if args.validation and args.test_every_epoch:
        raise ValueError("`--validation` and `--test-every-epoch` exclude each other.")
    split = len(x_train) - args.validation
    x_val, y_val = x_train[split:], y_train[split:]
    x_train, y_train = x_train[:split], y_train[:split]
    (x_labeled, y_labeled), x_unlabeled = keras_sslgan.split_labeled(
        x_train, y_train, args.labels, seed=args.seed
    )
    x_unlabeled = x_unlabeled[: args.unlabeled]
    resuming = bool(args.backup_dir) and os.path.exists(os.path.join(args.backup_dir, "state"))
    if args.backup_dir:
        epoch_log = os.path.join(args.backup_dir, "epochs.csv")
        budget_path = os.path.join(args.backup_dir, "budget.json")
        os.makedirs(args.backup_dir, exist_ok=True)
        if not resuming:
            for stale in (epoch_log, budget_path, os.path.join(args.backup_dir, "settings.json")):
                if os.path.exists(stale):
                    os.remove(stale)
        check_backup_settings(args, args.backup_dir)
    keras.config.set_dtype_policy(args.dtype_policy)
    try:
        density, density_seconds = None, 0.0
        if args.method == "bad_gan":  # no density model without its term
            density = (None, None)
        if args.method == "bad_gan" and args.density_weight > 0:  # in the training time
            start = time.perf_counter()
            density = keras_sslgan.recipes.mnist_density_model(
                x_unlabeled,
                pca_dim=args.density_pca_dim,
                num_components=args.density_components,
                seed=args.seed,
            )
            density_seconds = time.perf_counter() - start
            print(f"density model fitted in {density_seconds:.0f} s")
        budget, steps = None, args.epochs * (len(x_unlabeled) // args.batch_size)
        if args.budget_seconds is not None:
            if resuming:  # the plan of the run it resumes: its schedule
                with open(budget_path) as f:
                    budget = json.load(f)
            elif args.budget_plan is not None:
                budget = dict(args.budget_plan, calibration_seconds=0.0)
            else:
                budget = plan_budget(
                    args, (x_labeled, y_labeled), x_unlabeled, density, density_seconds
                )
            if args.backup_dir and not resuming:  # a resumed run keeps this schedule
                with open(budget_path, "w") as f:
                    json.dump(budget, f, indent=2)
            print(
                f"budget {args.budget_seconds:g} s: {budget['steps']} steps of "
                f"{budget['seconds_per_step']:.3f} s in {budget['epochs']} epochs"
            )
            steps = budget["steps"]
            keras.utils.set_random_seed(args.seed)  # the model starts as without a budget
        model = build_model(args, steps, density)
    finally:
        keras.config.set_dtype_policy("float32")
    epochs = budget["epochs"] if budget else args.epochs
    timer = EpochTimer()
    callbacks, validation = [timer], None
    if args.test_every_epoch or args.validation:
        callbacks.append(keras_sslgan.SwapClassifierEMAWeights())
        validation = (x_val, y_val) if args.validation else (x_test, y_test)
    if args.validation:  # a class absorbed by another shows here first
        callbacks.append(keras_sslgan.callbacks.PredictedClassCounts(x_val))
    if args.backup_dir:
        callbacks += [
            keras.callbacks.CSVLogger(epoch_log, append=True),
            keras.callbacks.BackupAndRestore(os.path.join(args.backup_dir, "state")),
        ]
    start = time.perf_counter()
    pretrain = isinstance(model, keras_sslgan.TripleGAN) and args.pretrain_epochs and not resuming
    if pretrain:
        # A run interrupted during pre-training pre-trains again.
        model.pretrain_classifier(
            (x_labeled, y_labeled),
            x_unlabeled,
            epochs=args.pretrain_epochs,
            batch_size=min(500, len(x_unlabeled)),
            labeled_batch_size=min(100, len(x_labeled)),
            verbose=verbose,
        )
    pretrain_seconds = time.perf_counter() - start
    pretrained_accuracy = None
    if pretrain and validation:  # what the game adds is measured against this
        pretrained_accuracy = float(model.evaluate(*validation, batch_size=1000, verbose=0)[1])
        split = "validation" if args.validation else "test"
        print(f"{split} accuracy after pre-training: {pretrained_accuracy:.4f}")
    history = model.fit(
        (x_labeled, y_labeled),
        x_unlabeled,
        batch_size=args.batch_size,
        labeled_batch_size=args.labeled_batch_size,
        epochs=epochs,
        validation_data=validation,
        callbacks=callbacks,
        verbose=verbose,
        **({"steps_per_epoch": budget["steps_per_epoch"]} if budget else {}),
    )
    train_seconds = time.perf_counter() - start + density_seconds
    if budget and not resuming:
        train_seconds += budget["calibration_seconds"]
    if args.backup_dir:  # all epochs, also those of the runs this one resumed
        epoch_logs = read_epoch_log(epoch_log)
    else:
        epoch_logs = [dict(zip(history.history, v)) for v in zip(*history.history.values())]
    per_epoch = [e["val_accuracy"] for e in epoch_logs] if validation else None
    epoch_seconds = [e["epoch_seconds"] for e in epoch_logs]
    test_accuracy, confusion = evaluate_on_test(model, x_test, y_test)

    os.makedirs(args.output_dir, exist_ok=True)
    written, generator = "summary.json", None
    if hasattr(model, "generator"):
        # One batch with G's batch statistics, as the papers draw their samples; for a
        # conditional G row k holds ten samples of digit k.
        conditional = isinstance(model, keras_sslgan.TripleGAN)
        labels = np.repeat(np.arange(10), 10) if conditional else None
        images = keras_sslgan.diagnostics.generated_examples(model, 100, labels=labels)
        grid_path = os.path.join(args.output_dir, "generated.png")
        keras.utils.save_img(
            grid_path, keras_sslgan.diagnostics.tile_images(images, 10), scale=True
        )
        written = f"{grid_path} and summary.json"
        generator = keras_sslgan.diagnostics.generator_report(
            model, x_test, y_test if conditional else None
        )
        print(f"generator: {format_report(generator)}")
    # The trained model (its averaged weights), for what the summary does not say.
    model.save(os.path.join(args.output_dir, "model.keras"))
    summary = {
        "method": args.method,
        # Every setting that defines the run (what a benchmark keys it by).
        "settings": {k: v for k, v in sorted(vars(args).items()) if k not in RUN_ONLY_ARGUMENTS},
        "labels": args.labels,
        "seed": args.seed,
        "head": args.head,
        "generator_loss": args.generator_loss,
        "epochs": epochs,
        # Steps made (all of them, also those of the runs this one resumed), and with
        # --budget-seconds the plan that set them.
        "steps": model.training_step(),
        "budget": budget,
        "batch_size": args.batch_size,
        "labeled_batch_size": args.labeled_batch_size or args.batch_size,
        "unlabeled": len(x_unlabeled),
        "unlabeled_weight": args.unlabeled_weight,
        "entropy_weight": args.entropy_weight,
        "input_noise": args.input_noise,
        "hidden_noise": args.hidden_noise,
        "d_learning_rate": args.d_learning_rate,
        "g_learning_rate": args.g_learning_rate,
        "adam_epsilon": args.adam_epsilon,
        "ema_momentum": args.ema_momentum,
        "decay_fraction": args.decay_fraction,
        "dtype_policy": args.dtype_policy,
        "steps_per_execution": args.steps_per_execution,
        "test_accuracy": float(test_accuracy),
        # `keras_sslgan.diagnostics.generator_report` against the test images: diversity
        # (and for G(z, y) label fidelity) per class.
        "generator": generator,
        # confusion[i][j]: test images of digit i classified as j (final EMA weights).
        "test_confusion": confusion.tolist(),
        "validation_accuracy": per_epoch[-1] if args.validation else None,
        # Wall-clock seconds of this process's `fit` (a resumed run's: since it resumed),
        # classifier pre-training included.
        "train_seconds": train_seconds,
        "pretrain_seconds": pretrain_seconds,
        # Bad GAN's density model fit (in train_seconds too), and its epsilon.
        "density_seconds": density_seconds,
        "density_threshold": density[1] if density else None,
        # C's accuracy on the validation (or, with --test-every-epoch, test) split after
        # pre-training, before the game: reported, never used to pick anything.
        "pretrained_accuracy": pretrained_accuracy,
        "resumed_at_epoch": epochs - len(timer.seconds),
        "seconds_per_epoch": float(np.mean(epoch_seconds)),
        # Seconds before the first game step: density fit, calibration, pre-training
        # (a resumed run: as its plan estimated them). Accuracy-over-time plots start
        # each run's epochs after them.
        "setup_seconds": density_seconds
        + (budget["calibration_seconds"] if budget else 0.0)
        + (pretrain_seconds if pretrain else budget["pretrain_seconds"] if budget else 0.0),
        "final_logs": {k: float(v) for k, v in epoch_logs[-1].items() if k != "epoch_seconds"},
        # Training seconds from the start of fit to each epoch's end (the per-epoch
        # test evaluation, when on, is left out).
        "seconds_elapsed": np.cumsum(epoch_seconds).tolist(),
        "validation": args.validation,
        "validation_accuracy_per_epoch": per_epoch if args.validation else None,
        # Validation images called each class, per epoch (EMA weights).
        "validation_class_counts_per_epoch": [
            [int(e[f"val_count_{k}"]) for k in range(10)] for e in epoch_logs
        ]
        if args.validation
        else None,
        "test_accuracy_per_epoch": None if args.validation else per_epoch,
        "version": keras_sslgan.__version__,
        "machine": machine(),
    }
    with open(os.path.join(args.output_dir, "summary.json"), "w") as f:
        json.dump(summary, f, indent=2)
    print(f"wrote {written}, model.keras ({summary['seconds_per_epoch']:.1f} s/epoch)")
    return summary


def main(argv=None):
    return run(**vars(parse_args(argv)))


if __name__ == "__main__":
    main()
