"""Backups and saves that lose nothing: atomic writes, and the checks that a
`keras.callbacks.BackupAndRestore` folder belongs to the run that restores from it.

A backup folder holds Keras' weights file and epoch record, and this package's run
record (`keras_sslgan_run.json`): the model, its settings and the data that made it.
A restart with another model, seed, batch size or data is refused, naming what differs;
a backup whose weights are missing is refused; an epoch record that disagrees with the
restored step, or cannot be read, gives way to the step.
"""

import hashlib
import json
import os
import shutil
import tempfile

import keras
import numpy as np
import tensorflow as tf

RUN_RECORD = "keras_sslgan_run.json"


def _digest(value):
    return hashlib.sha1(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()


def _data_digest(data):
    """A digest of arrays (or of the `(x, y)` pair), or the type of anything else
    (a `tf.data.Dataset` cannot be read without consuming it)."""
    if data is None or isinstance(data, tf.data.Dataset):
        return None if data is None else type(data).__name__
    parts = data if isinstance(data, (tuple, list)) else (data,)
    digest = hashlib.sha1()
    for part in parts:
        array = np.ascontiguousarray(part)
        digest.update(f"{array.dtype}{array.shape}".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


def _without_names(config):
    if isinstance(config, dict):
        return {k: _without_names(v) for k, v in config.items() if k != "name"}
    if isinstance(config, (list, tuple)):
        return [_without_names(v) for v in config]
    return config


def _describe(config):
    """A serialized layer as `Class(setting=value, ...)`, nested layers the same way,
    without its name, dtype and other settings that do not change what it computes."""
    if isinstance(config, dict) and "class_name" in config:
        inner = config.get("config", {})
        settings = ", ".join(
            f"{k}={_describe(v)}"
            for k, v in sorted(inner.items())
            if k not in ("name", "trainable", "dtype", "data_format", "build_config")
        )
        return f"{config['class_name']}({settings})"
    if isinstance(config, (list, tuple)):
        return "[" + ", ".join(_describe(v) for v in config) + "]"
    return repr(config)


def run_record(model, labeled, unlabeled, batch_size, labeled_batch_size, fit_kwargs):
    """What defines a run, for its backups: the model (class, variable shapes, compile
    settings, seed, the random views of its consistency term), the batch sizes and
    steps per epoch (of `fit_kwargs`), and digests of the data."""
    steps_per_epoch = fit_kwargs.get("steps_per_epoch")
    return {
        "model": type(model).__name__,
        # Layer and optimizer names differ between two builds of one model in a
        # process: the networks by their variables' shapes, the settings without names.
        "variables": _digest([(tuple(v.shape), str(v.dtype)) for v in model.weights]),
        "compile_config": _digest(_without_names(model.get_compile_config())),
        # The method's settings as values, so that a refusal can name what changed.
        "compile_settings": json.loads(
            json.dumps(getattr(model, "compile_settings", {}), sort_keys=True, default=str)
        ),
        "seed": model.seed,
        "views": {
            name: _describe(keras.saving.serialize_keras_object(getattr(model, name)))
            for name in ("augmentation", "strong_augmentation")
            if getattr(model, name, None) is not None
        },
        "batch_size": batch_size,
        "labeled_batch_size": labeled_batch_size,
        "steps_per_epoch": steps_per_epoch,
        "labeled": _data_digest(labeled),
        "unlabeled": _data_digest(unlabeled),
    }


def check_backup(callback, record):
    """Checks the folder of the `BackupAndRestore` `callback` against this run's
    `record`; returns whether it holds a state to restore.

    Refuses (`ValueError`, naming what differs) a backup made by another run, and one
    whose weights file is missing; writes the record for a new run. An epoch record that
    cannot be read (a full disk after the weights were written leaves it empty) is
    removed: `AfterRestore` then takes the epoch from the restored step. (The file
    names are the callback's private attributes.)
    """
    folder = callback.backup_dir
    weights, epoch_record = callback._weights_path, callback._training_metadata_path
    path = os.path.join(folder, RUN_RECORD)
    if os.path.exists(epoch_record):
        try:
            with open(epoch_record) as f:
                int(json.load(f)["epoch"])
        except (ValueError, KeyError, TypeError):
            os.remove(epoch_record)
    if not os.path.exists(weights):
        if os.path.exists(epoch_record):
            raise ValueError(
                f"The backup in {folder} has an epoch record but no weights file "
                f"({os.path.basename(weights)}): its state is lost. Remove the folder to "
                "start afresh."
            )
        os.makedirs(folder, exist_ok=True)
        atomic_write(lambda p: _write_json(record, p), path, ".json", True)
        return False
    if os.path.exists(path):
        with open(path) as f:
            saved = json.load(f)
        # A key an older record lacks is not known to differ.
        changed = [k for k in record if k in saved and saved[k] != record[k]]
        differences = []
        for key in changed:
            if key in ("compile_settings", "views"):  # one by one: `alpha 0.5 -> 0.3`
                before, now = saved[key], record[key]
                show = str if key == "views" else repr  # views are descriptions
                differences += [
                    f"{name} {show(before.get(name))} -> {show(now.get(name))}"
                    for name in sorted(set(before) | set(now))
                    if before.get(name) != now.get(name)
                ]
            elif key != "compile_config" or "compile_settings" not in changed:
                differences.append(f"{key} {saved[key]!r} -> {record[key]!r}")
        if differences:
            raise ValueError(
                f"The backup in {folder} was made by another run; use another folder, or "
                "the same model, settings and data to resume it. Differences (backed "
                "up -> now): " + ", ".join(differences)
            )
    return True


def _write_json(value, path):
    with open(path, "w") as f:
        json.dump(value, f, indent=2)


def atomic_write(write, filepath, suffix, atomic=True, staged=False):
    """`write(path)` to a partial file (or folder) beside `filepath`, then moves it over
    `filepath`, replacing what was there whole (a previous folder goes with all its
    files); the partial is removed if the write fails. Writes in place where `atomic`
    is false, or for a remote path or one not ending in `suffix` (Keras' own errors
    apply).

    `staged=True` writes into the temporary folder first and copies from there: h5py
    crashes the process (a segmentation fault) when its file's disk fills up, where a
    copy raises an `OSError`.
    """
    path = os.fspath(filepath)
    if not atomic or "://" in path or not path.endswith(suffix):
        return write(filepath)
    folder, name = os.path.split(os.path.abspath(path))
    partial = os.path.join(folder, f".{name}.{os.getpid()}.partial{suffix}")
    try:
        if staged:
            with tempfile.TemporaryDirectory() as stage:
                write(os.path.join(stage, f"stage{suffix}"))
                shutil.copyfile(os.path.join(stage, f"stage{suffix}"), partial)
        else:
            write(partial)
        if os.path.isdir(path) and not os.path.islink(path):  # a folder: replaced whole
            previous = f"{partial}.previous"
            os.replace(path, previous)
            os.replace(partial, path)
            shutil.rmtree(previous)
        else:
            os.replace(partial, path)
    finally:
        if os.path.isdir(partial):
            shutil.rmtree(partial)
        elif os.path.exists(partial):
            os.remove(partial)


class AfterRestore(keras.callbacks.Callback):
    """Once `fit` has begun, and a `BackupAndRestore` before it restored a state: puts
    the trained weights back in (a backup may hold the averages), and takes the epoch
    to start from the restored step, which the weights file holds, when it disagrees
    with the backup's epoch record (a run killed between the two writes, or an
    unreadable record)."""

    def __init__(self, steps_per_epoch):
        super().__init__()
        self.steps_per_epoch = steps_per_epoch

    def on_train_begin(self, logs=None):
        self.model.use_ema_weights(False)
        step = self.model.training_step()
        if self.steps_per_epoch and step and step % self.steps_per_epoch == 0:
            # Keras' `fit` starts from `_initial_epoch`, which `BackupAndRestore` sets.
            self.model._initial_epoch = step // self.steps_per_epoch
