"""How the engine's models are saved: atomic files, random-stream states, configs."""

import keras

from keras_sslgan.engine import backup, state


class SavingMixin:
    """Saving of `SemiSupervisedGAN` (a mixin, as Keras' `Trainer` is of its `Model`):
    atomic `save` and `save_weights`, the random streams' states among the saved
    variables, and the config and compile config of the players and their optimizers.
    It reads the model's `players`, `player_network`, `optimizer_of`, `compile_settings`
    and `_is_compiled`."""

    def save(self, filepath, overwrite=True, zipped=None, **kwargs):
        """Keras' `save`, made atomic for a local `.keras` file: written beside the
        target, then renamed over it, so that a save that fails (a full disk) or is
        killed leaves the previous file whole."""
        backup.atomic_write(
            lambda path: super(SavingMixin, self).save(path, overwrite, zipped, **kwargs),
            filepath,
            ".keras",
            overwrite and zipped is not False,
        )

    def save_weights(self, filepath, overwrite=True, max_shard_size=None):
        """Keras' `save_weights`, made atomic for a local `.weights.h5` file (the
        backups of `keras.callbacks.BackupAndRestore` are these), as `save` is."""
        backup.atomic_write(
            lambda path: super(SavingMixin, self).save_weights(path, overwrite, max_shard_size),
            filepath,
            ".weights.h5",
            overwrite and max_shard_size is None,
            staged=True,
        )

    def load_weights(self, filepath, skip_mismatch=False, **kwargs):
        """Keras' `load_weights`, all or nothing: a file that does not fit the model
        (another method's, other networks) raises Keras' error with every variable of
        the model and of its optimizers as it was before the call."""
        variables = list(self.variables)
        for player in self.players:
            optimizer = self.optimizer_of(player)
            variables += list(optimizer.variables) if optimizer is not None else []
        before = [keras.ops.convert_to_numpy(v) for v in variables]
        try:
            super().load_weights(filepath, skip_mismatch=skip_mismatch, **kwargs)
        except BaseException:
            for variable, value in zip(variables, before, strict=True):
                variable.assign(value)
            raise

    def save_own_variables(self, store):
        """Saves the model's own variables and the state of every random stream.

        The noise of the model and of the noise layers inside its networks comes from
        `SeedGenerator`s whose states Keras does not save; they are saved here so that
        a restored run draws the noise an uninterrupted one would.
        """
        super().save_own_variables(store)
        state.save_seed_states(self, store)

    def load_own_variables(self, store):
        state.load_own_variables(self, store)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "num_classes": self.num_classes,
                "preprocessing": keras.saving.serialize_keras_object(self.preprocessing),
                "seed": self.seed,
            }
        )
        for name in ("augmentation", "strong_augmentation"):  # absent when None, as before
            if getattr(self, name) is not None:
                config[name] = keras.saving.serialize_keras_object(getattr(self, name))
        for player in self.players:
            config[player] = keras.saving.serialize_keras_object(self.player_network(player))
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in ("preprocessing", "augmentation", "strong_augmentation", *cls.players):
            if key in config:
                config[key] = keras.saving.deserialize_keras_object(config[key])
        return cls(**config)

    def get_compile_config(self):
        if not self._is_compiled():  # saved before `compile`: loads uncompiled
            return None
        config = {
            name: keras.saving.serialize_keras_object(self.optimizer_of(player))
            for player, name in self.players.items()
        }
        config.update(self.compile_settings)
        return config

    def compile_from_config(self, config):
        config = dict(config)
        for name in self.players.values():
            config[name] = keras.saving.deserialize_keras_object(config[name])
        self.compile(**config)
