"""Consistency regularization: the squared difference of a student's and a teacher's
class probabilities (Laine & Aila 2017; Tarvainen & Valpola 2017), FixMatch's
confident pseudo-labels (Sohn et al. 2020), and the sigmoid ramp-up of the weight."""

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


def pseudo_label_loss(strong_logits, weak_logits, threshold):
    """FixMatch's term: cross-entropy of the strongly augmented view against the
    pseudo-label of the weakly augmented one, where that label is confident.

    `p_i = softmax(w_i)` (held constant), `m_i = [max_k p_ik >= threshold]`,
    `L_u = mean_i m_i * CE(argmax_k p_ik, s_i)`

    Sohn et al. 2020, "FixMatch", https://arxiv.org/abs/2001.07685, eq. 4; their code
    (google-research/fixmatch, `fixmatch.py` lines 113-118) averages over the whole
    unlabeled batch, masked examples counting 0, as here.

    Args:
        strong_logits: float tensor `(batch, K)`, the student's logits on the strong view.
        weak_logits: float tensor `(batch, K)`, the logits on the weak view (no gradient).
        threshold: float in [0, 1], the confidence a pseudo-label needs.

    Returns:
        `(L_u, mask rate)`: scalars, the loss and the fraction of the batch above the
        threshold.
    """
    weak = ops.stop_gradient(ops.softmax(ops.cast(weak_logits, "float32"), axis=-1))
    mask = ops.cast(ops.max(weak, axis=-1) >= threshold, "float32")
    labels = ops.argmax(weak, axis=-1)
    strong = ops.cast(strong_logits, "float32")
    cross_entropy = ops.sparse_categorical_crossentropy(labels, strong, from_logits=True)
    return ops.mean(cross_entropy * mask), ops.mean(mask)


def sigmoid_rampup(step, rampup_steps):
    """`exp(-5 (1 - t)^2)`, `t = min(step / rampup_steps, 1)`: the weight ramp of
    Laine & Aila 2017 (from 0.0067 to 1 over `rampup_steps`; 1 when it is 0)."""
    if not rampup_steps:
        return ops.ones((), "float32")
    t = ops.clip(ops.cast(step, "float32") / float(rampup_steps), 0.0, 1.0)
    return ops.exp(-5.0 * ops.square(1.0 - t))
