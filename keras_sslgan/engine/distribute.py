"""What a training step needs to know about `tf.distribute`, and the only place that knows.

Under a strategy with R replicas each replica runs the step on its slice of the global
batch. The helpers here make R replicas compute the update one device computes on the
global batch: mean losses divided by R before the gradient (gradients are summed across
replicas), batch statistics all-reduced, random draws made for the global batch and
sliced, and logs shaped for Keras' cross-worker reduction.
"""

import tensorflow as tf
from keras import ops


def num_replicas():
    """R, the replicas in sync of the current strategy (1 outside a strategy)."""
    return tf.distribute.get_strategy().num_replicas_in_sync


def replica_id():
    """`(number of replicas, this replica's index)`; `(1, 0)` outside a strategy."""
    replicas = num_replicas()
    context = tf.distribute.get_replica_context()
    if replicas == 1 or context is None:
        return 1, 0
    return replicas, context.replica_id_in_sync_group


def scale_for_replicas(loss):
    """A per-replica mean loss, divided by the replica count before the gradient.

    Gradients are summed across replicas, so this makes the update of a global batch the
    same whatever the number of replicas.
    """
    replicas = num_replicas()
    return loss if replicas == 1 else loss / replicas


def global_mean(values):
    """`(1, d)`: the mean of `(batch, d)` values over the global batch, all replicas.

    Replica batches are equal in size, so the mean of the replica means is the global
    mean. The all-reduce has a gradient: each replica's examples get theirs.
    """
    mean = ops.mean(values, axis=0, keepdims=True)
    if num_replicas() == 1:
        return mean
    return tf.distribute.get_replica_context().all_reduce("MEAN", mean)


def global_batch(values):
    """`(R * batch, ...)`: the replicas' batches of `values`, concatenated in replica order.

    For a loss that is not a mean over examples (the pull-away term compares every pair),
    computed on the global batch by every replica. The all-gather has a gradient: each
    replica's examples get theirs, and with the loss divided by R (`scale_for_replicas`)
    the summed gradients are those of one device.
    """
    if num_replicas() == 1:
        return values
    return tf.distribute.get_replica_context().all_gather(values, axis=0)


def replica_slice(draw, batch_size):
    """This replica's `batch_size` rows of `draw(R * batch_size)`.

    Every replica makes the draw of the global batch from the shared seed state and keeps
    its own slice: replicas get different samples, and together the samples one device
    would draw for the global batch.
    """
    replicas, index = replica_id()
    values = draw(replicas * batch_size)
    if replicas == 1:
        return values
    return values[index * batch_size : (index + 1) * batch_size]


def for_keras_reduction(logs):
    """Scalar logs, as `(1,)` tensors under MultiWorkerMirroredStrategy.

    Keras reduces the logs of a multi-worker step with `strategy.reduce("MEAN", v,
    axis=0)`, which needs an axis; the result is the same scalar mean across workers.
    """
    if isinstance(tf.distribute.get_strategy(), tf.distribute.MultiWorkerMirroredStrategy):
        return {name: ops.reshape(value, (1,)) for name, value in logs.items()}
    return logs
