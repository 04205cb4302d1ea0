"""Consistency regularization (Laine & Aila 2017; Tarvainen & Valpola 2017): the
squared difference of a student's and a teacher's class probabilities, and the
sigmoid ramp-up of its weight."""

from keras import ops


def consistency_loss(student_logits, teacher_logits):
    """The consistency term: the student's class probabilities should match the
    teacher's on another random view of the same examples.

    `L_c = mean_i mean_k (softmax(s_i)_k - softmax(t_i)_k)^2`

    with `t` held constant (no gradient through the teacher). The teacher is a second
    stochastic pass of the same network (the Pi-model, Laine & Aila 2017) or the
    network with the moving average of its weights (Mean Teacher, Tarvainen & Valpola
    2017, whose code divides the summed squares by K and the batch as here).

    Args:
        student_logits, teacher_logits: float tensors `(batch, K)`.

    Returns:
        Scalar loss, >= 0, at most 2 / K.
    """
    student = ops.softmax(ops.cast(student_logits, "float32"), axis=-1)
    teacher = ops.stop_gradient(ops.softmax(ops.cast(teacher_logits, "float32"), axis=-1))
    return ops.mean(ops.square(student - teacher))


def sigmoid_rampup(step, rampup_steps):
    """`exp(-5 (1 - t)^2)`, `t = min(step / rampup_steps, 1)`: the weight ramp of
    Laine & Aila 2017 (from 0.0067 to 1 over `rampup_steps`; 1 when it is 0)."""
    if not rampup_steps:
        return ops.ones((), "float32")
    t = ops.clip(ops.cast(step, "float32") / float(rampup_steps), 0.0, 1.0)
    return ops.exp(-5.0 * ops.square(1.0 - t))
