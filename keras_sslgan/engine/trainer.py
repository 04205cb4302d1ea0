import functools

import keras
import tensorflow as tf
from keras import ops

from keras_sslgan.engine import consistency, data_checks, distribute, state
from keras_sslgan.engine.classifier import ClassifierMixin
from keras_sslgan.engine.consistency import FIXMATCH_THRESHOLD
from keras_sslgan.engine.fitting import FitMixin
from keras_sslgan.engine.sampling import SamplingMixin
from keras_sslgan.engine.saving import SavingMixin


class SemiSupervisedGAN(FitMixin, SavingMixin, ClassifierMixin, SamplingMixin, keras.Model):
    """The engine every semi-supervised method of keras_sslgan runs on; it knows none.

    A method is a subclass that declares three things and writes `train_step`:

    - `players`: dict from the attribute holding each network that trains to the
      `compile` argument of its optimizer, e.g.
      `{"discriminator": "d_optimizer", "generator": "g_optimizer"}`. The first player
      updates once per training step; its optimizer's `iterations` count the steps.
    - `classifying_player`: the player that classifies real data. `call`, `predict`,
      `evaluate`, `classifier` and export use it (override `class_logits` when its
      outputs are not `logits` or `[logits, ...]` with the K class logits first).
    - `metric_names`: the names its `train_step` reports, and `term_weights`: for the
      names of weighted terms, the compile setting holding the weight; a term whose
      weight is 0 is left out of the logs (and the progress bar).

    Its `train_step` computes each player's loss under a `tf.GradientTape` and calls
    `update(player, tape, loss)`, then returns `report(name=value, ...)`. Its
    `compile(...)` takes one optimizer per player and the method's settings, and calls
    `super().compile(optimizers={...}, settings={...})`.

    The engine gives it the rest: `fit(labeled, unlabeled)` on arrays, datasets or a
    pre-paired dataset (arrays as a resumable stream), data checks, data-dependent
    initialization of the classifying network, noise and label sampling correct under
    `tf.distribute`, the loss scaling of mixed precision and of replicas, the EMA
    weights of every optimizer with `use_ema=True` after `fit`, `test_step`, and the
    model's config, compile config and random-stream states in `.keras` files.

    Args:
        num_classes: int, K.
        preprocessing: `keras.layers.Layer` or `None`. Applied to real data (training,
            evaluation, prediction and the exported classifier), e.g.
            `keras.layers.Rescaling(1 / 255)` to train on uint8 images. Generated data is
            made after preprocessing.
        augmentation: `keras.layers.Layer` or `None`. The random views of preprocessed
            unlabeled data that the consistency term compares (e.g.
            `keras.layers.RandomTranslation(0.1, 0.1, seed=0)`); FixMatch's weak view.
            Training only, never exported.
        strong_augmentation: `keras.layers.Layer` or `None`. FixMatch's strongly
            augmented view of preprocessed unlabeled data
            (`compile(consistency_teacher="fixmatch")`), e.g.
            `keras_sslgan.recipes.strong_augmentation((0, 1))`; training only.
        seed: int or `None`. Seed of the model's noise and of the data order.
        **kwargs: base model arguments (`name`, ...).
    """

    players = {}
    classifying_player = None
    metric_names = ()
    term_weights = {}
    # The consistency term (`compile(consistency_weight=...)`), off unless compiled on.
    consistency_weight = 0.0
    consistency_rampup = 0
    consistency_teacher = "mean_teacher"
    consistency_threshold = FIXMATCH_THRESHOLD

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "train_step" in cls.__dict__:
            cls.train_step = _after_the_batch(cls.__dict__["train_step"])

    def __init__(
        self,
        num_classes,
        preprocessing=None,
        augmentation=None,
        strong_augmentation=None,
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if int(num_classes) != num_classes or num_classes < 2:
            raise ValueError(
                f"`num_classes` must be an integer >= 2. Received: num_classes={num_classes}"
            )
        # === Config ===
        self.num_classes = int(num_classes)
        self.preprocessing = preprocessing
        for name, layer in dict(
            augmentation=augmentation, strong_augmentation=strong_augmentation
        ).items():
            if layer is not None:
                data_checks.check_networks(**{name: layer})
        self.augmentation = augmentation
        self.strong_augmentation = strong_augmentation
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

        # 1 while the networks of the players whose optimizers keep an EMA hold the
        # averages (after `fit`), their trained weights being in the optimizers; saved.
        self.ema_in_weights = self.add_weight(
            shape=(), initializer="zeros", dtype="int32", trainable=False, name="ema_in_weights"
        )
        # (min, max) of the raw training examples, NaN until the first `fit`; saved.
        # `predict` and `evaluate` warn when they are given data on another scale.
        self.data_range = self.add_weight(
            shape=(2,),
            initializer=keras.initializers.Constant(float("nan")),
            trainable=False,
            name="data_range",
        )

        # === Trackers ===
        # Training metrics as the method names them; `loss` and `accuracy` for evaluate.
        self.trackers = {
            name: keras.metrics.Mean(name=name)
            for name in (*self.metric_names, *consistency.METRICS, "loss", "accuracy")
        }
        self.built = True

    # --- Players ----------------------------------------------------------------------

    def player_network(self, player):
        return getattr(self, player)

    def optimizer_of(self, player):
        # A method, not a property: `.keras` saving walks the attributes (properties
        # included) and files each optimizer under the first name it meets.
        return getattr(self, self.players[player], None)

    @property
    def classifying_network(self):
        """The network that classifies real data (`classifying_player`)."""
        return self.player_network(self.classifying_player)

    def update(self, player, tape, loss):
        """One optimizer step of `player` on `loss`, recorded by `tape`.

        Adds the network's own `losses` (e.g. weight regularizers), divides by the
        number of replicas (gradients are summed across them), scales the loss for a
        `keras.optimizers.LossScaleOptimizer` (which unscales the gradients in
        `apply`), then applies the gradients to the network's trainable variables. A
        step the LossScaleOptimizer skips (gradients not finite) still counts in its
        `iterations`.
        """
        network = self.player_network(player)
        optimizer = self.optimizer_of(player)
        with tape:  # the scaling is part of what is differentiated
            if network.losses:
                loss = loss + ops.sum(network.losses)
            scaled = optimizer.scale_loss(distribute.scale_for_replicas(loss))
        variables = network.trainable_variables
        gradients = tape.gradient(scaled, variables)
        if not isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
            optimizer.apply(gradients, variables)
            return
        # A LossScaleOptimizer skips a step whose gradients are not finite (and lowers
        # its scale) without counting it in `iterations`; the engine counts steps made,
        # updated or not: the data stream of a restored run and the schedules read them.
        step = ops.add(optimizer.iterations, 0)
        optimizer.apply(gradients, variables)
        optimizer.iterations.assign(step + 1)

    def ema_players(self):
        """The players whose optimizers keep a moving average (`use_ema=True`)."""
        players = []
        for player in self.players:
            optimizer = self.optimizer_of(player)
            if getattr(getattr(optimizer, "inner_optimizer", optimizer), "use_ema", False):
                players.append(player)
        return players

    def use_ema_weights(self, ema=True):
        """Puts the moving averages (`ema=True`) or the trained weights (`False`) in the
        networks of `ema_players()`, the others going to the optimizers: an exact swap.

        `fit` trains on the trained weights and ends with the averages in the networks,
        for `predict`, `evaluate`, `classifier` and export; the next `fit` (also after
        `.keras` save and load) swaps back and trains on from where training stopped,
        so two `fit`s of one epoch each make the weights of one `fit` of two.
        """
        players = self.ema_players()
        if not players or bool(int(self.ema_in_weights.numpy())) == ema:
            return
        for player in players:
            optimizer = self.optimizer_of(player)
            state.swap_ema_weights(getattr(optimizer, "inner_optimizer", optimizer))
        self.ema_in_weights.assign(int(ema))

    def logged_metric_names(self):
        """`metric_names` less the terms weighted 0 (`term_weights`): what `fit` logs."""
        names = tuple(
            name
            for name in self.metric_names
            if getattr(self, self.term_weights.get(name, ""), None) != 0
        )
        if not self.consistency_weight:
            return names
        return names + consistency.METRICS[: 2 if self.consistency_teacher == "fixmatch" else 1]

    def report(self, **values):
        """Updates the trackers named in `values`; returns the logs of the training
        trackers of `logged_metric_names()` (a vector value is averaged over its
        elements)."""
        for name, value in values.items():
            self.trackers[name].update_state(value)
        return distribute.for_keras_reduction(
            {name: self.trackers[name].result() for name in self.logged_metric_names()}
        )

    def consistency(self, x_unlabeled):
        """The consistency term to add to the classifying player's loss, on preprocessed
        unlabeled examples (`engine.consistency`): 0 when `consistency_weight` is 0;
        its unweighted value goes to the `consistency_loss` tracker (and FixMatch's
        confident fraction to `pseudo_label_rate`)."""
        if not self.consistency_weight:
            return 0.0
        term, logs = consistency.consistency_term(self, x_unlabeled)
        for name, value in logs.items():
            self.trackers[name].update_state(value)
        return term

    @property
    def metrics(self):
        return list(self.trackers.values())

    # --- Training ---------------------------------------------------------------------

    def compile(
        self,
        optimizers,
        settings=None,
        auto_scale_loss=True,
        consistency_weight=0.0,
        consistency_rampup=0,
        consistency_teacher="mean_teacher",
        consistency_threshold=FIXMATCH_THRESHOLD,
        **kwargs,
    ):
        """Sets one optimizer per player and the method's settings.

        Args:
            optimizers: dict from each player's optimizer argument (the values of
                `players`) to a `keras.optimizers.Optimizer`.
            settings: dict of the method's compile settings (loss weights, ...); each
                becomes an attribute and part of the compile config.
            auto_scale_loss: bool, as in `keras.Model.compile`: a player whose network
                computes in `float16` (the `mixed_float16` policy, for GPUs) gets its
                optimizer wrapped in a `keras.optimizers.LossScaleOptimizer`, whose
                dynamic loss scale keeps small float16 gradients from underflowing
                (`update` scales the loss, the wrapper unscales the gradients and skips
                a step whose gradients are not finite).
            consistency_weight: float >= 0, weight of the consistency term on the
                classifying network's unlabeled predictions (`consistency`, which
                every method adds to that player's loss); 0 leaves it out.
            consistency_rampup: int >= 0, the steps over which its weight ramps up
                (`losses.sigmoid_rampup`).
            consistency_teacher: `"mean_teacher"` (the moving average of the network's
                weights, which its optimizer keeps with `use_ema=True`), `"pi"` (a
                second stochastic pass) or `"fixmatch"` (confident pseudo-labels of the
                weak view `augmentation` learnt on the `strong_augmentation` view).
            consistency_threshold: float in [0, 1], FixMatch's confidence threshold
                (its paper's 0.95); read with `consistency_teacher="fixmatch"` only.
            **kwargs: `keras.Model.compile` arguments (`jit_compile`, `run_eagerly`,
                `steps_per_execution`).

        A method's `compile` passes the consistency arguments on in its `**kwargs`.
        """
        data_checks.check_optimizers(self, optimizers)
        settings = {
            **(settings or {}),
            **consistency.consistency_settings(
                consistency_weight, consistency_rampup, consistency_teacher, consistency_threshold
            ),
        }
        consistency.check_teacher(self, settings, optimizers)  # before anything is set
        consistency.check_views(self)
        super().compile(optimizer=None, auto_scale_loss=auto_scale_loss, **kwargs)
        self.compile_settings = dict(settings or {})
        for name, value in self.compile_settings.items():
            setattr(self, name, value)
        for player, name in self.players.items():
            optimizer, network = optimizers[name], self.player_network(player)
            data_checks.warn_float16_without_gpu(network, player)
            if (
                auto_scale_loss
                and network.dtype_policy.name == "mixed_float16"
                and not isinstance(optimizer, keras.optimizers.LossScaleOptimizer)
            ):
                optimizer = keras.optimizers.LossScaleOptimizer(optimizer, name=f"{name}_scaled")
            setattr(self, name, optimizer)
            optimizer.build(network.trainable_variables)
        consistency.warn_idle(self, settings)

    def _is_compiled(self):
        return self.compiled and all(self.optimizer_of(p) is not None for p in self.players)

    def training_step(self):
        """The number of training steps done (updates of the first player), as an int."""
        first = self.optimizer_of(next(iter(self.players)))
        return int(tf.convert_to_tensor(first.iterations.value).numpy())

    def _maybe_symbolic_build(self, iterator=None, data_batch=None):
        # Keras builds a model under a distribution strategy by peeking at a batch and
        # reducing it across replicas, which fails for nested batches under
        # MultiWorkerMirroredStrategy. The engine needs no such build: its networks
        # exist when it is made, its trackers in `__init__`, its optimizers in `compile`.
        return

    def unpack(self, data):
        """`((x_labeled, y_labeled), x_unlabeled)` of a batch, preprocessed, labels int32.

        Labels outside `[0, K)` stop training (they can reach the step from a
        `tf.data` pipeline, which `fit` cannot check beforehand).
        """
        (x_labeled, y_labeled), x_unlabeled = data
        y_labeled = data_checks.checked_labels(self, y_labeled)
        x_labeled, x_unlabeled = (
            ops.convert_to_tensor(x_labeled),
            ops.convert_to_tensor(x_unlabeled),
        )
        return (self.preprocess(x_labeled), y_labeled), self.preprocess(x_unlabeled)


def _after_the_batch(train_step):
    """`train_step` with every op it makes waiting for the batch.

    A state change that reads no data (a step counter's increment, a noise seed's
    advance) could otherwise run before the batch is read, and stay done when the call
    finds the data exhausted: the last call of each epoch over a dataset of unknown
    length (a filtered or streamed one) then counts a step it never made and moves the
    random streams (TensorFlow 2.21, Keras 3.15).
    """

    @functools.wraps(train_step)
    def waiting(self, data):
        with tf.control_dependencies(tf.nest.flatten(data)):
            return train_step(self, data)

    return waiting
