import keras
import numpy as np
import tensorflow as tf
from keras import ops

from keras_sslgan import losses
from keras_sslgan.callbacks import StopOnNonFiniteLoss
from keras_sslgan.data import check_labels, paired_dataset, resumable_stream
from keras_sslgan.networks.initialization import initialize_from_data

GENERATOR_LOSSES = ("feature_matching", "non_saturating")
LATENT_DISTRIBUTIONS = ("uniform", "normal")


def _scale_for_replicas(loss):
    """A per-replica mean loss, divided by the replica count before the gradient.

    Gradients are summed across replicas, so this makes the update of a global batch the
    same whatever the number of replicas.
    """
    replicas = tf.distribute.get_strategy().num_replicas_in_sync
    return loss if replicas == 1 else loss / replicas


def _replica_id():
    """`(number of replicas, this replica's index)`; `(1, 0)` outside a strategy."""
    replicas = tf.distribute.get_strategy().num_replicas_in_sync
    context = tf.distribute.get_replica_context()
    if replicas == 1 or context is None:
        return 1, 0
    return replicas, context.replica_id_in_sync_group


def _global_mean(features):
    """`(1, d)`: the mean of `(batch, d)` features over the global batch, all replicas.

    Replica batches are equal in size, so the mean of the replica means is the global
    mean. The all-reduce has a gradient: each replica's examples get theirs.
    """
    mean = ops.mean(features, axis=0, keepdims=True)
    replicas, _ = _replica_id()
    if replicas == 1:
        return mean
    return tf.distribute.get_replica_context().all_reduce("MEAN", mean)


def _for_keras_reduction(logs):
    """Scalar logs, as `(1,)` tensors under MultiWorkerMirroredStrategy.

    Keras reduces the logs of a multi-worker step with `strategy.reduce("MEAN", v,
    axis=0)`, which needs an axis; the result is the same scalar mean across workers.
    """
    if isinstance(tf.distribute.get_strategy(), tf.distribute.MultiWorkerMirroredStrategy):
        return {name: ops.reshape(value, (1,)) for name, value in logs.items()}
    return logs


class _StartStreamAtStep(keras.callbacks.Callback):
    """Points the array stream at the optimizer's step once `fit` has restored state."""

    def __init__(self, start_step):
        super().__init__()
        self.start_step = start_step

    def on_train_begin(self, logs=None):
        self.start_step.assign(self.model.training_step())


@keras.saving.register_keras_serializable(package="keras_sslgan")
class SSLGAN(keras.Model):
    """Semi-supervised GAN: a K-class classifier that learns from unlabeled data.

    The discriminator is a K-class classifier that also tells real from generated data.
    Each training step makes one discriminator update, on
    `L_D = L_supervised(labeled) + unlabeled_weight * L_unsupervised(unlabeled, generated)
    + entropy_weight * L_entropy(unlabeled)`, then one generator update, on feature
    matching or the non-saturating loss (see `keras_sslgan.losses` for the formulas).

    Args:
        generator: `keras.Model` mapping `(batch, latent_dim)` noise to examples in the
            discriminator's input space.
        discriminator: `keras.Model` mapping examples to `[logits, features]`: logits of
            width `num_classes` (`head="logsumexp"`) or `num_classes + 1`
            (`head="k_plus_one"`, fake logit last), and the features feature matching
            compares.
        num_classes: int, K.
        head: `"logsumexp"` or `"k_plus_one"`.
        generator_loss: `"feature_matching"` or `"non_saturating"`.
        latent_distribution: `"uniform"` (in [0, 1), as in Salimans et al.) or `"normal"`.
        generated_batch_size: int or `None`. Generated examples per step; `None` uses
            the unlabeled batch size.
        preprocessing: `keras.layers.Layer` or `None`. Applied to real data (training,
            evaluation, prediction and the exported classifier), e.g.
            `keras.layers.Rescaling(1 / 255)` to train on uint8 images. The generator
            produces data after preprocessing.
        seed: int or `None`. Seed of the noise and of the data shuffles.
        **kwargs: base model arguments (`name`, ...).

    Example:
    ```python
    model = keras_sslgan.SSLGAN(
        generator=keras_sslgan.networks.mnist_generator(),
        discriminator=keras_sslgan.networks.mnist_discriminator(),
        num_classes=10,
        preprocessing=keras.layers.Rescaling(1 / 255),
        seed=0,
    )
    model.compile(
        d_optimizer=keras.optimizers.Adam(3e-3, beta_1=0.5, beta_2=0.9999, use_ema=True),
        g_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.0, beta_2=0.9999),
    )
    model.fit((x_labeled, y_labeled), x_unlabeled, epochs=10)
    probabilities = model.predict(x_test)
    ```

    Reference:
    - [Salimans et al. 2016](https://arxiv.org/abs/1606.03498)
    - [Odena 2016](https://arxiv.org/abs/1606.01583)
    """

    def __init__(
        self,
        generator,
        discriminator,
        num_classes,
        head="logsumexp",
        generator_loss="feature_matching",
        latent_distribution="uniform",
        generated_batch_size=None,
        preprocessing=None,
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        losses.check_head(head)
        if generator_loss not in GENERATOR_LOSSES:
            raise ValueError(
                f"`generator_loss` must be one of {GENERATOR_LOSSES}. "
                f"Received: generator_loss={generator_loss!r}"
            )
        if latent_distribution not in LATENT_DISTRIBUTIONS:
            raise ValueError(
                f"`latent_distribution` must be one of {LATENT_DISTRIBUTIONS}. "
                f"Received: latent_distribution={latent_distribution!r}"
            )
        if int(num_classes) != num_classes or num_classes < 2:
            raise ValueError(
                f"`num_classes` must be an integer >= 2. Received: num_classes={num_classes}"
            )
        if generated_batch_size is not None and generated_batch_size < 1:
            raise ValueError(
                "`generated_batch_size` must be a positive integer or None. "
                f"Received: generated_batch_size={generated_batch_size}"
            )
        self._check_networks(generator, discriminator, int(num_classes), head)

        # === Networks ===
        self.generator = generator
        self.discriminator = discriminator
        self.preprocessing = preprocessing

        # === Config ===
        self.num_classes = int(num_classes)
        self.head = head
        self.generator_loss = generator_loss
        self.latent_distribution = latent_distribution
        self.generated_batch_size = generated_batch_size
        self.seed = seed
        self.latent_dim = generator.input_shape[-1]
        self.seed_generator = keras.random.SeedGenerator(seed)

        # === Trackers ===
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        self.supervised_loss_tracker = keras.metrics.Mean(name="supervised_loss")
        self.unsupervised_loss_tracker = keras.metrics.Mean(name="unsupervised_loss")
        self.labeled_accuracy_tracker = keras.metrics.Mean(name="labeled_accuracy")
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.accuracy_tracker = keras.metrics.Mean(name="accuracy")
        self.built = True

    @staticmethod
    def _check_networks(generator, discriminator, num_classes, head):
        outputs = getattr(discriminator, "outputs", None)
        if not outputs or len(outputs) != 2:
            raise ValueError(
                "`discriminator` must be a functional keras.Model returning "
                "`[logits, features]`. Received outputs: "
                f"{[tuple(o.shape) for o in outputs or []]}"
            )
        expected = num_classes + (1 if head == "k_plus_one" else 0)
        width = outputs[0].shape[-1]
        if width != expected:
            raise ValueError(
                f"With head={head!r} and num_classes={num_classes}, the discriminator's "
                f"logits must have width {expected}. Received width {width}."
            )
        generated_shape = tuple(generator.output_shape[1:])
        data_shape = tuple(discriminator.input_shape[1:])
        if generated_shape != data_shape:
            raise ValueError(
                f"The generator's output shape {generated_shape} must equal the "
                f"discriminator's input shape {data_shape}."
            )

    # --- Classifier -----------------------------------------------------------------

    @property
    def classifier(self):
        """Functional `keras.Model`: real data -> K class probabilities.

        It shares the discriminator's weights (and applies `preprocessing`); the fake
        logit of a K+1 head is left out: the output is `p(y | x, real)`. Each access
        builds a new model (a new trace on its first `predict`): keep the one you use.
        """
        inputs = keras.Input(shape=self._data_shape(), name="images")
        x = self._preprocess(inputs)
        # Inference mode whatever the caller passes: noise, dropout and augmentation off.
        logits, _ = self._discriminate(x, training=False)
        probabilities = keras.layers.Softmax(name="probabilities", dtype="float32")(
            logits[:, : self.num_classes]
        )
        return keras.Model(inputs, probabilities, name="classifier")

    def _data_shape(self):
        return tuple(self.discriminator.input_shape[1:])

    def _preprocess(self, x):
        if self.preprocessing is None:
            return x
        return self.preprocessing(ops.cast(x, self.compute_dtype))

    def _discriminate(self, x, training):
        # Losses and predictions in float32, also under a mixed-precision policy.
        logits, features = self.discriminator(x, training=training)
        return ops.cast(logits, "float32"), ops.cast(features, "float32")

    def call(self, inputs, training=False):
        logits, _ = self._discriminate(self._preprocess(inputs), training=training)
        return ops.softmax(logits[:, : self.num_classes], axis=-1)

    # --- Training -------------------------------------------------------------------

    def compile(self, d_optimizer, g_optimizer, unlabeled_weight=1.0, entropy_weight=0.0, **kwargs):
        """Configures the two players' optimizers.

        Args:
            d_optimizer: `keras.optimizers.Optimizer` of the discriminator. With
                `use_ema=True`, evaluation and prediction after `fit` use the moving
                average of its weights.
            g_optimizer: `keras.optimizers.Optimizer` of the generator.
            unlabeled_weight: float, weight of the unsupervised loss in `L_D`. With 0
                the model trains as the supervised-only baseline: the discriminator on
                the labeled batches alone, and no generator updates.
            entropy_weight: float, weight of the conditional entropy of the class
                prediction on the unlabeled batch in `L_D`
                (`keras_sslgan.losses.conditional_entropy_loss`, the entropy term of
                Bad GAN, Dai et al. 2017). 0 (the default) leaves it out.
            **kwargs: `keras.Model.compile` arguments (`jit_compile`, `run_eagerly`,
                `steps_per_execution`).
        """
        for name, value in (("d_optimizer", d_optimizer), ("g_optimizer", g_optimizer)):
            if not isinstance(value, keras.optimizers.Optimizer):
                raise ValueError(
                    f"`{name}` must be a keras.optimizers.Optimizer instance. "
                    f"Received: {name}={value!r}"
                )
        if d_optimizer is g_optimizer:
            raise ValueError("`d_optimizer` and `g_optimizer` must be distinct instances.")
        if not unlabeled_weight >= 0:
            raise ValueError(
                f"`unlabeled_weight` must be >= 0. Received: unlabeled_weight={unlabeled_weight}"
            )
        if not entropy_weight >= 0:
            raise ValueError(
                f"`entropy_weight` must be >= 0. Received: entropy_weight={entropy_weight}"
            )
        if entropy_weight and not unlabeled_weight:
            raise ValueError(
                "`entropy_weight` needs `unlabeled_weight` > 0: with `unlabeled_weight=0` "
                "the model trains on the labeled batches alone. Received: "
                f"unlabeled_weight={unlabeled_weight}, entropy_weight={entropy_weight}"
            )
        super().compile(optimizer=None, **kwargs)
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer
        self.unlabeled_weight = float(unlabeled_weight)
        self.entropy_weight = float(entropy_weight)
        self.d_optimizer.build(self.discriminator.trainable_variables)
        self.g_optimizer.build(self.generator.trainable_variables)

    def training_step(self):
        """The number of training steps done (discriminator updates), as an int."""
        return int(tf.convert_to_tensor(self.d_optimizer.iterations.value).numpy())

    @property
    def metrics(self):
        return [
            self.d_loss_tracker,
            self.g_loss_tracker,
            self.supervised_loss_tracker,
            self.unsupervised_loss_tracker,
            self.labeled_accuracy_tracker,
            self.loss_tracker,
            self.accuracy_tracker,
        ]

    def _maybe_symbolic_build(self, iterator=None, data_batch=None):
        # Keras builds a model under a distribution strategy by peeking at a batch and
        # reducing it across replicas, which fails for nested batches under
        # MultiWorkerMirroredStrategy. SSLGAN needs no such build: its networks exist
        # when it is made, its trackers in `__init__`, its optimizers in `compile`.
        return

    def sample_latent(self, batch_size):
        """Noise for the generator, `(batch_size, latent_dim)`, from the model's seed.

        Under a `tf.distribute` strategy with R replicas every replica draws the noise of
        the whole global batch, `(R * batch_size, latent_dim)`, from the shared seed
        state and keeps its own slice: replicas get different noise, and together the
        noise one replica would draw for the global batch.
        """
        replicas, replica_id = _replica_id()
        shape = (replicas * batch_size, self.latent_dim)
        if self.latent_distribution == "uniform":
            noise = keras.random.uniform(shape, seed=self.seed_generator)
        else:
            noise = keras.random.normal(shape, seed=self.seed_generator)
        if replicas == 1:
            return noise
        return noise[replica_id * batch_size : (replica_id + 1) * batch_size]

    def _unsupervised_loss(self, unlabeled_logits, generated_logits):
        if self.head == "logsumexp":
            return losses.logsumexp_discriminator_loss(unlabeled_logits, generated_logits)
        return losses.k_plus_one_discriminator_loss(unlabeled_logits, generated_logits)

    def train_step(self, data):
        (x_labeled, y_labeled), x_unlabeled = data
        y_labeled = ops.cast(ops.reshape(y_labeled, (-1,)), "int32")
        tf.debugging.assert_non_negative(y_labeled, message="labels must be >= 0")
        tf.debugging.assert_less(
            y_labeled, self.num_classes, message=f"labels must be < num_classes={self.num_classes}"
        )
        x_labeled = self._preprocess(x_labeled)
        x_unlabeled = self._preprocess(x_unlabeled)
        if self.unlabeled_weight == 0.0:
            return self._supervised_step(x_labeled, y_labeled)
        num_labeled = ops.shape(x_labeled)[0]
        num_unlabeled = ops.shape(x_unlabeled)[0]
        num_generated = self.generated_batch_size or num_unlabeled

        # Discriminator: one forward pass over labeled, unlabeled and generated data.
        x_generated = self.generator(self.sample_latent(num_generated), training=True)
        with tf.GradientTape() as d_tape:
            logits, features = self._discriminate(
                ops.concatenate([x_labeled, x_unlabeled, x_generated], axis=0), training=True
            )
            labeled_logits = logits[:num_labeled]
            unlabeled_logits = logits[num_labeled : num_labeled + num_unlabeled]
            generated_logits = logits[num_labeled + num_unlabeled :]
            supervised = losses.supervised_loss(y_labeled, labeled_logits, self.num_classes)
            unsupervised = self._unsupervised_loss(unlabeled_logits, generated_logits)
            d_loss = supervised + self.unlabeled_weight * unsupervised
            if self.entropy_weight:
                entropy = losses.conditional_entropy_loss(unlabeled_logits, self.num_classes)
                d_loss = d_loss + self.entropy_weight * entropy
            scaled_d_loss = _scale_for_replicas(d_loss)  # inside the tape: it is differentiated
        d_vars = self.discriminator.trainable_variables
        d_grads = d_tape.gradient(scaled_d_loss, d_vars)
        self.d_optimizer.apply(d_grads, d_vars)

        # Generator: real and generated features both come from the updated
        # discriminator, in training mode (with its noise), as in Salimans et al.'s code.
        with tf.GradientTape() as g_tape:
            x_generated = self.generator(self.sample_latent(num_generated), training=True)
            g_logits, g_features = self._discriminate(
                ops.concatenate([x_unlabeled, x_generated], axis=0), training=True
            )
            real_features = g_features[:num_unlabeled]
            generated_features = g_features[num_unlabeled:]
            generated_logits = g_logits[num_unlabeled:]
            if self.generator_loss == "feature_matching":
                # The batch means are taken over the global batch (all-reduced across
                # replicas), so the loss is that of the global batch, not a mean of
                # per-replica losses (the squared distance is not linear in the means).
                g_loss = losses.feature_matching_loss(
                    _global_mean(real_features), _global_mean(generated_features)
                )
            else:
                g_loss = losses.non_saturating_generator_loss(generated_logits, self.head)
            scaled_g_loss = _scale_for_replicas(g_loss)
        g_vars = self.generator.trainable_variables
        g_grads = g_tape.gradient(scaled_g_loss, g_vars)
        self.g_optimizer.apply(g_grads, g_vars)

        return self._track(d_loss, g_loss, supervised, unsupervised, labeled_logits, y_labeled)

    def _supervised_step(self, x_labeled, y_labeled):
        # `unlabeled_weight=0`: the unlabeled and generated data cannot change the
        # discriminator, so the step is the supervised baseline's: one discriminator
        # update on the labeled batch, no generator work (the generator stays as made).
        with tf.GradientTape() as tape:
            logits, _ = self._discriminate(x_labeled, training=True)
            supervised = losses.supervised_loss(y_labeled, logits, self.num_classes)
            scaled_loss = _scale_for_replicas(supervised)
        d_vars = self.discriminator.trainable_variables
        self.d_optimizer.apply(tape.gradient(scaled_loss, d_vars), d_vars)
        zero = ops.zeros_like(supervised)
        return self._track(supervised, zero, supervised, zero, logits, y_labeled)

    def _track(self, d_loss, g_loss, supervised, unsupervised, labeled_logits, y_labeled):
        predicted = ops.argmax(labeled_logits[:, : self.num_classes], axis=-1)
        correct = ops.equal(predicted, ops.cast(y_labeled, predicted.dtype))
        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        self.supervised_loss_tracker.update_state(supervised)
        self.unsupervised_loss_tracker.update_state(unsupervised)
        self.labeled_accuracy_tracker.update_state(ops.cast(correct, "float32"))
        return _for_keras_reduction(
            {
                m.name: m.result()
                for m in self.metrics
                if m is not self.loss_tracker and m is not self.accuracy_tracker
            }
        )

    def test_step(self, data):
        x, y = data[0], data[1]
        y = ops.cast(ops.reshape(y, (-1,)), "int32")
        logits, _ = self._discriminate(self._preprocess(x), training=False)
        loss = losses.supervised_loss(y, logits, self.num_classes)
        predicted = ops.argmax(logits[:, : self.num_classes], axis=-1)
        correct = ops.cast(ops.equal(predicted, ops.cast(y, predicted.dtype)), "float32")
        batch = ops.shape(y)[0]
        self.loss_tracker.update_state(loss, sample_weight=batch)
        self.accuracy_tracker.update_state(correct)
        return _for_keras_reduction(
            {"loss": self.loss_tracker.result(), "accuracy": self.accuracy_tracker.result()}
        )

    def fit(
        self,
        labeled=None,
        unlabeled=None,
        *,
        batch_size=100,
        labeled_batch_size=None,
        epochs=1,
        initialize=True,
        **kwargs,
    ):
        """Trains on a labeled and an unlabeled set; one epoch is one unlabeled pass.

        Args:
            labeled: tuple `(x, y)` of arrays, or a `tf.data.Dataset` of `(x, y)`
                batches (cycled as often as needed; shuffle it yourself), or a
                pre-paired `tf.data.Dataset` of `((x_l, y_l), x_u)` batches with
                `unlabeled=None`.
            unlabeled: array of examples, or a `tf.data.Dataset` of batches.
            batch_size: int, unlabeled examples per step (arrays).
            labeled_batch_size: int, labeled examples per step (arrays). Defaults to
                `batch_size`.
            epochs: int.
            initialize: bool. Before the first step of an untrained model
                (`d_optimizer.iterations == 0`), set the discriminator's
                weight-normalized layers from about 500 unlabeled examples
                (`keras_sslgan.networks.initialize_from_data`).
            **kwargs: `keras.Model.fit` arguments (`callbacks`, `validation_data`,
                `verbose`, `initial_epoch`, `steps_per_epoch`, ...).

        Returns:
            The `History` of `keras.Model.fit`. When the discriminator's optimizer keeps
            an EMA (`use_ema=True`), the discriminator holds the averaged weights after
            `fit`, as Keras does for its own optimizer.

        With arrays, the data order of every step is a function of the model's `seed`
        and the step number (`keras_sslgan.data.resumable_stream`): a run restored by
        `keras.callbacks.BackupAndRestore` continues with the data an uninterrupted run
        would see. `fit` puts `StopOnNonFiniteLoss` first in the callbacks, so a NaN or
        infinite loss stops training with a `FloatingPointError` before any epoch-end
        callback saves the diverged weights.
        """
        if not self.compiled or getattr(self, "d_optimizer", None) is None:
            raise RuntimeError(
                "SSLGAN.fit: call `compile(d_optimizer=..., g_optimizer=...)` before `fit`."
            )
        callbacks = list(kwargs.pop("callbacks", None) or [])
        if not any(isinstance(c, StopOnNonFiniteLoss) for c in callbacks):
            callbacks.insert(0, StopOnNonFiniteLoss())
        for arg in ("x", "y", "batch_size"):
            if arg in kwargs:
                raise ValueError(f"SSLGAN.fit takes `labeled` and `unlabeled`, not `{arg}`.")
        if unlabeled is None:
            if not isinstance(labeled, tf.data.Dataset):
                raise ValueError(
                    "`unlabeled` is required unless `labeled` is a pre-paired "
                    f"tf.data.Dataset of ((x_l, y_l), x_u). Received: {type(labeled).__name__}"
                )
            dataset = labeled
        elif isinstance(labeled, tf.data.Dataset) or isinstance(unlabeled, tf.data.Dataset):
            dataset = paired_dataset(
                labeled,
                unlabeled,
                batch_size=batch_size,
                labeled_batch_size=labeled_batch_size,
                seed=self.seed,
            )
        else:
            if isinstance(labeled, (tuple, list)) and len(labeled) == 2:
                if len(np.asarray(labeled[0])) == 0:
                    raise ValueError("The labeled set is empty: `labeled` has no examples.")
                labeled = (labeled[0], check_labels(labeled[1], self.num_classes, "labeled y"))
            # Arrays: the data order is a function of the seed and the step, so a run
            # restored by `BackupAndRestore` sees the data an uninterrupted run would.
            seed = self.seed if self.seed is not None else int(np.random.randint(2**31 - 1))
            start_step = tf.Variable(self.training_step(), dtype=tf.int64)
            dataset = resumable_stream(
                labeled, unlabeled, batch_size, labeled_batch_size, seed, start_step
            )
            kwargs.setdefault("steps_per_epoch", len(unlabeled) // batch_size)
            # Last, so that it runs after a `BackupAndRestore` has restored the step.
            callbacks.append(_StartStreamAtStep(start_step))
        self._check_data_spec(dataset.element_spec)
        if initialize and self.training_step() == 0:
            self._initialize_from(dataset)
        history = super().fit(dataset, epochs=epochs, shuffle=False, callbacks=callbacks, **kwargs)
        if self.d_optimizer.use_ema and epochs > kwargs.get("initial_epoch", 0):
            self.d_optimizer.finalize_variable_values(self.discriminator.trainable_variables)
        return history

    def _initialize_from(self, dataset, num_examples=500):
        batches, count = [], 0
        for _, x_unlabeled in dataset:
            batches.append(self._preprocess(x_unlabeled))
            count += int(x_unlabeled.shape[0])
            if count >= num_examples:
                break
        initialize_from_data(self.discriminator, ops.concatenate(batches, axis=0)[:num_examples])

    def _check_data_spec(self, spec):
        try:
            (x_labeled, _), x_unlabeled = spec
        except (TypeError, ValueError):
            raise ValueError(
                "The training data must yield ((x_labeled, y_labeled), x_unlabeled) "
                f"batches. Received element spec: {spec}"
            ) from None
        labeled_shape = tuple(x_labeled.shape[1:])
        unlabeled_shape = tuple(x_unlabeled.shape[1:])
        if labeled_shape != unlabeled_shape:
            raise ValueError(
                "Labeled and unlabeled examples must have the same shape. Received "
                f"labeled {labeled_shape} and unlabeled {unlabeled_shape}."
            )
        seen_shape = labeled_shape
        if self.preprocessing is not None:
            seen_shape = tuple(self.preprocessing.compute_output_shape((None,) + seen_shape))[1:]
        if seen_shape != self._data_shape():
            raise ValueError(
                f"The examples have shape {labeled_shape}; the discriminator takes "
                f"{self._data_shape()}."
            )
        for name, part in (("labeled", x_labeled), ("unlabeled", x_unlabeled)):
            if self.preprocessing is None and not part.dtype.is_floating:
                raise ValueError(
                    f"The {name} examples are {part.dtype.name}, but the model has no "
                    "`preprocessing`: the generator makes floats in the discriminator's "
                    "input range. Pass e.g. `preprocessing=keras.layers.Rescaling(1 / 255)` "
                    "to SSLGAN, or scale the data yourself."
                )

    # --- Serialization --------------------------------------------------------------

    def _seed_states(self):
        return [v for v in self.variables if v.path.endswith("seed_generator_state")]

    def save_own_variables(self, store):
        """Saves the model's own variables and the state of every random stream.

        The noise of the generator, of the discriminator's noise layers and of the
        model itself comes from `SeedGenerator`s whose states Keras does not save;
        they are saved here so that a restored run draws the noise an uninterrupted
        one would.
        """
        super().save_own_variables(store)
        for i, state in enumerate(self._seed_states()):
            store[f"seed_state_{i}"] = state

    def load_own_variables(self, store):
        keys = list(store.keys())
        seed_keys = [k for k in keys if k.startswith("seed_state_")]
        states = self._seed_states()
        if seed_keys and len(seed_keys) != len(states):
            raise ValueError(
                f"The saved model has {len(seed_keys)} random-stream states; this one has "
                f"{len(states)}. Were the networks built differently?"
            )
        for i, state in enumerate(states[: len(seed_keys)]):
            state.assign(store[f"seed_state_{i}"])
        own = self._trainable_variables + self._non_trainable_variables
        for i, variable in enumerate(own):
            variable.assign(store[f"{i}"])

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "generator": keras.saving.serialize_keras_object(self.generator),
                "discriminator": keras.saving.serialize_keras_object(self.discriminator),
                "num_classes": self.num_classes,
                "head": self.head,
                "generator_loss": self.generator_loss,
                "latent_distribution": self.latent_distribution,
                "generated_batch_size": self.generated_batch_size,
                "preprocessing": keras.saving.serialize_keras_object(self.preprocessing),
                "seed": self.seed,
            }
        )
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in ("generator", "discriminator", "preprocessing"):
            config[key] = keras.saving.deserialize_keras_object(config[key])
        return cls(**config)

    def get_compile_config(self):
        return {
            "d_optimizer": keras.saving.serialize_keras_object(self.d_optimizer),
            "g_optimizer": keras.saving.serialize_keras_object(self.g_optimizer),
            "unlabeled_weight": self.unlabeled_weight,
            "entropy_weight": self.entropy_weight,
        }

    def compile_from_config(self, config):
        self.compile(
            d_optimizer=keras.saving.deserialize_keras_object(config["d_optimizer"]),
            g_optimizer=keras.saving.deserialize_keras_object(config["g_optimizer"]),
            unlabeled_weight=config["unlabeled_weight"],
            entropy_weight=config.get("entropy_weight", 0.0),
        )
