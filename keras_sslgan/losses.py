"""Loss functions of semi-supervised GANs, as pure functions of logits and features.

Notation: the discriminator gives logits `l_1 .. l_K` for the K real classes; the
`"k_plus_one"` head adds a last logit `l_fake` for the generated class. With
`Z(x) = sum_k exp(l_k(x))` and `lse(x) = log Z(x)`, the probability that `x` is real is

    logsumexp head:   D(real|x) = Z / (Z + 1)               = sigmoid(lse)
    K+1 head:         D(real|x) = Z / (Z + exp(l_fake))     = sigmoid(lse - l_fake)

so both heads reduce to one *real-vs-fake logit* `r(x) = lse(x) - l_fake(x)` (with
`l_fake = 0` for the logsumexp head), and every unsupervised loss below is a softplus of
`r`: `-log D(real|x) = softplus(-r)` and `-log(1 - D(real|x)) = softplus(r)`. Nothing is
computed as a ratio of exponentials, so large logits do not overflow.

References:
- Salimans et al. 2016, "Improved Techniques for Training GANs",
  https://arxiv.org/abs/1606.03498 (section 5, logsumexp form, feature matching).
- Odena 2016, "Semi-Supervised Learning with Generative Adversarial Networks",
  https://arxiv.org/abs/1606.01583 (explicit K+1 classifier).
"""

from keras import ops

HEADS = ("logsumexp", "k_plus_one")


def check_head(head):
    """Returns `head` if it names a known head, else raises a `ValueError`."""
    if head not in HEADS:
        raise ValueError(f"`head` must be one of {HEADS}. Received: head={head!r}")
    return head


def real_vs_fake_logit(logits, head="logsumexp"):
    """The logit `r(x)` of "x is real", so that `D(real|x) = sigmoid(r(x))`.

    `r = logsumexp(l_1..l_K)` for the logsumexp head and
    `r = logsumexp(l_1..l_K) - l_fake` for the K+1 head (fake logit last).

    Args:
        logits: float tensor `(batch, K)` or `(batch, K + 1)`.
        head: `"logsumexp"` or `"k_plus_one"`.

    Returns:
        float tensor `(batch,)`.
    """
    if check_head(head) == "logsumexp":
        return ops.logsumexp(logits, axis=-1)
    return ops.logsumexp(logits[:, :-1], axis=-1) - logits[:, -1]


def supervised_loss(labels, logits, num_classes):
    """Cross-entropy of the labeled data over the K real classes.

    `L_sup = -E_{x,y ~ labeled} log p(y | x, y < K+1)
           = E[ logsumexp(l_1..l_K) - l_y ]`

    (Salimans et al. 2016, eq. 5). The K+1 head's fake logit, if present, is not part of
    the softmax: the labeled loss is the classifier's conditional on "x is real".

    Args:
        labels: int tensor `(batch,)` of classes in `[0, num_classes)`.
        logits: float tensor `(batch, K)` or `(batch, K + 1)`.
        num_classes: int, K.

    Returns:
        Scalar, the mean over the batch.
    """
    class_logits = logits[:, :num_classes]
    return ops.mean(ops.sparse_categorical_crossentropy(labels, class_logits, from_logits=True))


def _real_fake_loss(unlabeled_logits, generated_logits, head):
    real_unlabeled = real_vs_fake_logit(unlabeled_logits, head)
    real_generated = real_vs_fake_logit(generated_logits, head)
    return 0.5 * (ops.mean(ops.softplus(-real_unlabeled)) + ops.mean(ops.softplus(real_generated)))


def logsumexp_discriminator_loss(unlabeled_logits, generated_logits):
    """Unsupervised discriminator loss with no extra output (logsumexp head).

    With `D(real|x) = Z(x) / (Z(x) + 1)`, `Z = sum_k exp(l_k)`, `lse = log Z`:

    `L_unsup = 0.5 * ( E_{x ~ unlabeled}[ -log D(real|x) ]
                     + E_{x ~ generated}[ -log(1 - D(real|x)) ] )
             = 0.5 * ( E_u[ softplus(lse) - lse ] + E_g[ softplus(lse) ] )`

    The factor 0.5 averages the two binary cross-entropies, as in the reference code of
    Salimans et al. 2016 ("Improved Techniques for Training GANs", eq. 5 and appendix).

    Args:
        unlabeled_logits: float tensor `(batch_u, K)`.
        generated_logits: float tensor `(batch_g, K)`.

    Returns:
        Scalar loss.
    """
    return _real_fake_loss(unlabeled_logits, generated_logits, "logsumexp")


def k_plus_one_discriminator_loss(unlabeled_logits, generated_logits):
    """Unsupervised discriminator loss with an explicit fake class (K+1 head).

    With `p(fake|x) = softmax(l_1..l_K, l_fake)[fake]`:

    `L_unsup = 0.5 * ( E_{x ~ unlabeled}[ -log(1 - p(fake|x)) ]
                     + E_{x ~ generated}[ -log p(fake|x) ] )
             = 0.5 * ( E_u[ lse(l, l_fake) - lse(l) ] + E_g[ lse(l, l_fake) - l_fake ] )`

    Odena 2016 ("Semi-Supervised Learning with Generative Adversarial Networks") and
    Salimans et al. 2016 (section 5). With `l_fake = 0` it equals
    `logsumexp_discriminator_loss` on `l_1..l_K`.

    Args:
        unlabeled_logits: float tensor `(batch_u, K + 1)`, fake logit last.
        generated_logits: float tensor `(batch_g, K + 1)`, fake logit last.

    Returns:
        Scalar loss.
    """
    return _real_fake_loss(unlabeled_logits, generated_logits, "k_plus_one")


def conditional_entropy_loss(logits, num_classes):
    """Entropy of the class prediction on unlabeled data, to be minimized.

    `L_ent = E_{x ~ unlabeled}[ -sum_k p(k|x) log p(k|x) ]
           = E[ logsumexp(l_1..l_K) - sum_k p(k|x) l_k ]`

    with `p(k|x) = softmax(l_1..l_K)_k` over the K real classes (the K+1 head's fake
    logit is left out). Minimizing it makes the classifier confident on unlabeled data,
    which keeps its decision boundaries out of dense regions: the conditional entropy
    term of Dai et al. 2017 ("Good Semi-supervised Learning that Requires a Bad GAN",
    section 4), from Grandvalet and Bengio 2005 ("Semi-supervised Learning by Entropy
    Minimization").

    Args:
        logits: float tensor `(batch, K)` or `(batch, K + 1)`.
        num_classes: int, K.

    Returns:
        Scalar, the mean over the batch, in `[0, log K]`.
    """
    class_logits = logits[:, :num_classes]
    probabilities = ops.softmax(class_logits, axis=-1)
    entropy = ops.logsumexp(class_logits, axis=-1) - ops.sum(probabilities * class_logits, -1)
    return ops.mean(entropy)


def feature_matching_loss(real_features, generated_features):
    """Feature matching generator loss.

    `L_G = mean_j ( E_{x ~ real} f_j(x) - E_{z} f_j(G(z)) )^2`

    the squared distance between the batch means of an intermediate discriminator layer
    `f` on real and on generated data, averaged over the feature dimension as in the
    reference code (Salimans et al. 2016, "Improved Techniques for Training GANs",
    section 3.1).

    Args:
        real_features: float tensor `(batch_r, d)`.
        generated_features: float tensor `(batch_g, d)`.

    Returns:
        Scalar loss.
    """
    real_mean = ops.mean(real_features, axis=0)
    generated_mean = ops.mean(generated_features, axis=0)
    return ops.mean(ops.square(real_mean - generated_mean))


def non_saturating_generator_loss(generated_logits, head="logsumexp"):
    """Non-saturating generator loss: generated samples should be classified as real.

    `L_G = E_z[ -log D(real | G(z)) ] = E_z[ softplus(-r(G(z))) ]`

    with `r` the real-vs-fake logit (`real_vs_fake_logit`). Goodfellow et al. 2014,
    "Generative Adversarial Nets" (section 3), in the semi-supervised form of
    Salimans et al. 2016.

    Args:
        generated_logits: float tensor `(batch_g, K)` or `(batch_g, K + 1)`.
        head: `"logsumexp"` or `"k_plus_one"`.

    Returns:
        Scalar loss.
    """
    return ops.mean(ops.softplus(-real_vs_fake_logit(generated_logits, head)))


# --- Triple-GAN (Li, Xu, Zhu, Zhang 2017, https://arxiv.org/abs/1703.02291) -------------
# The pair discriminator D(x, y) gives one logit `d(x, y)`, D = sigmoid(d), for "the pair
# (x, y) comes from the data". BCE(D, 1) = softplus(-d) and BCE(D, 0) = softplus(d).


def pair_discriminator_loss(
    real_logits, generated_logits, classified_logits, alpha=0.5, classified_weights=None
):
    """Loss of Triple-GAN's pair discriminator D(x, y).

    `L_D = E_{(x,y) ~ real}[ -log D(x, y) ]
         + alpha * E_{y, z}[ -log(1 - D(G(z, y), y)) ]
         + (1 - alpha) * E_{x ~ unlabeled} E_{y ~ p_C(y|x)}[ -log(1 - D(x, y)) ]`

    Real pairs are the labeled ones (the authors' MNIST script also counts unlabeled
    images with C's hard labels among them); the fakes are the generator's pairs and the
    classifier's, weighted `alpha` and `1 - alpha` (1/2 each in the paper). The
    expectation over C's label is taken at one label per example (`classified_logits`
    `(batch,)`: the argmax approximation) or exactly, over all K labels weighted by
    `classified_weights = p_C(y|x)`. Li et al. 2017, "Triple Generative Adversarial
    Nets": D's part of the three-player game.

    Args:
        real_logits: float tensor `(batch_r,)` or `(batch_r, 1)`, `d` of the real pairs.
        generated_logits: float tensor, `d` of the pairs `(G(z, y), y)`.
        classified_logits: float tensor, `d` of the pairs `(x_u, C's label of x_u)`:
            `(batch_u,)` or `(batch_u, 1)`, or `(batch_u, K)` (every label) with
            `classified_weights`.
        alpha: float in [0, 1], the generator's share of the fake term.
        classified_weights: float tensor `(batch_u, K)` or `None`: `p_C(y|x)`, rows
            summing to 1, for the exact expectation.

    Returns:
        Scalar loss.
    """
    if classified_weights is None:
        classified = ops.mean(ops.softplus(classified_logits))
    else:
        classified = ops.mean(ops.sum(classified_weights * ops.softplus(classified_logits), -1))
    return (
        ops.mean(ops.softplus(-real_logits))
        + alpha * ops.mean(ops.softplus(generated_logits))
        + (1 - alpha) * classified
    )


def pair_generator_loss(generated_logits, alpha=0.5):
    """Non-saturating loss of Triple-GAN's conditional generator G(z, y).

    `L_G = alpha * E_{y, z}[ -log D(G(z, y), y) ]`, the non-saturating form of G's share
    `alpha` of the adversarial game (Li et al. 2017; 1/2 in the authors' code).

    Args:
        generated_logits: float tensor, `d` of the pairs `(G(z, y), y)`.
        alpha: float, the generator's share.

    Returns:
        Scalar loss.
    """
    return alpha * ops.mean(ops.softplus(-generated_logits))


def classifier_adversarial_loss(class_logits, pair_logits, alpha=0.5):
    """Adversarial loss of Triple-GAN's classifier C, summed over its labels.

    `L_C = (1 - alpha) * E_{x ~ unlabeled}[ sum_y p_C(y|x) * -log D(x, y) ]`

    The exact expectation over C's labels (Li et al. 2017; "integrate"): C is
    pushed towards the labels whose pairs D takes for real. Its gradient reaches C through
    `p_C(y|x)` only.

    Args:
        class_logits: float tensor `(batch, K)`, C's logits on the unlabeled batch.
        pair_logits: float tensor `(batch, K)`, `d(x, y)` of every pair of an unlabeled
            example with each of the K labels.
        alpha: float, the generator's share (C's is `1 - alpha`).

    Returns:
        Scalar loss.
    """
    probabilities = ops.softmax(class_logits, axis=-1)
    return (1 - alpha) * ops.mean(ops.sum(probabilities * ops.softplus(-pair_logits), axis=-1))


def classifier_adversarial_loss_argmax(class_logits, pair_logits, alpha=0.5):
    """Adversarial loss of Triple-GAN's classifier C at its most probable label.

    `L_C = (1 - alpha) * E_{x ~ unlabeled}[ p_C(y*|x) * -log D(x, y*) ]`,
    `y* = argmax_y p_C(y|x)`: the one-label approximation of
    `classifier_adversarial_loss` used in the authors' MNIST script.

    Args:
        class_logits: float tensor `(batch, K)`, C's logits on the unlabeled batch.
        pair_logits: float tensor `(batch,)` or `(batch, 1)`, `d(x, y*)`.
        alpha: float, the generator's share (C's is `1 - alpha`).

    Returns:
        Scalar loss.
    """
    confidence = ops.max(ops.softmax(class_logits, axis=-1), axis=-1)
    pair_logits = ops.reshape(pair_logits, (-1,))
    return (1 - alpha) * ops.mean(confidence * ops.softplus(-pair_logits))


def class_balance_loss(class_logits, batch_mean=None):
    """Cross-entropy of the batch-mean prediction against the uniform distribution.

    `L_bal = -(1/K) sum_k log( mean_i p(k | x_i) )`, at its minimum `log K` when C's
    predictions on the batch use every class equally: it keeps one class from absorbing
    the others on unlabeled data (the balance term of the authors' Triple-GAN MNIST
    script, weight 1e-3).

    Args:
        class_logits: float tensor `(batch, K)`.
        batch_mean: callable or `None`: `(batch, K)` probabilities -> `(1, K)` mean.
            `None` is the mean over this batch; under `tf.distribute` pass
            `keras_sslgan.engine.distribute.global_mean` for the global batch's.

    Returns:
        Scalar loss, `>= log K`.
    """
    probabilities = ops.softmax(class_logits, axis=-1)
    if batch_mean is None:
        mean_probabilities = ops.mean(probabilities, axis=0, keepdims=True)
    else:
        mean_probabilities = batch_mean(probabilities)
    return -ops.mean(ops.log(mean_probabilities))


# --- Bad GAN (Dai, Yang, Yang, Cohen, Salakhutdinov 2017, https://arxiv.org/abs/1705.09783) -
# A complement generator: fakes in the low-density gaps between the classes.


def feature_matching_l1_loss(real_features, generated_features):
    """Feature matching with the L1 distance between the batch means.

    `L_G = mean_j | E_{x ~ real} f_j(x) - E_z f_j(G(z)) |`

    The form Dai et al. 2017 use on SVHN and CIFAR-10 (their MNIST code keeps the
    squared distance of `feature_matching_loss`).

    Args:
        real_features: float tensor `(batch_r, d)`.
        generated_features: float tensor `(batch_g, d)`.

    Returns:
        Scalar loss.
    """
    real_mean = ops.mean(real_features, axis=0)
    generated_mean = ops.mean(generated_features, axis=0)
    return ops.mean(ops.abs(real_mean - generated_mean))


def feature_matching_distance(feature_distance):
    """The feature-matching loss of a distance by name: `"l2"`, `feature_matching_loss`
    (Salimans et al. 2016; Dai et al. 2017 on MNIST), or `"l1"`,
    `feature_matching_l1_loss` (Dai et al. 2017 on SVHN and CIFAR-10).

    Raises:
        ValueError: naming `feature_distance`, for any other value.
    """
    distances = {"l2": feature_matching_loss, "l1": feature_matching_l1_loss}
    if feature_distance not in distances:
        raise ValueError(
            f"`feature_distance` must be one of {tuple(distances)}. "
            f"Received: feature_distance={feature_distance!r}"
        )
    return distances[feature_distance]


def pull_away_loss(features):
    """The pull-away term: the mean squared cosine similarity between different samples.

    `L_PT = 1 / (N (N - 1)) * sum_{i != j} ( f_i . f_j / (|f_i| |f_j|) )^2`

    over the N generated samples' features. Minimizing it spreads the generated batch
    out in feature space, so the complement generator covers the gaps instead of one
    point (Zhao et al. 2017, "Energy-based GAN", section 2.4; a generator term of Dai
    et al. 2017, weight 0.8 on SVHN).

    Args:
        features: float tensor `(N, d)`, N >= 2.

    Returns:
        Scalar loss in `[0, 1]`.
    """
    unit = features / ops.maximum(ops.norm(features, axis=-1, keepdims=True), 1e-12)
    cosines = ops.matmul(unit, ops.transpose(unit))
    n = ops.cast(ops.shape(features)[0], features.dtype)
    # The diagonal holds the N self-similarities, each 1 (0 for a zero feature vector).
    off_diagonal = ops.sum(ops.square(cosines)) - ops.sum(ops.square(ops.diagonal(cosines)))
    return off_diagonal / (n * (n - 1))


def low_density_loss(log_density, threshold):
    """The low-density term: generated samples denser than `threshold` are penalized.

    `L_ld = sum_i max(log p(G(z_i)) - epsilon, 0) / #{i : log p(G(z_i)) > epsilon}`

    (0 when no sample is above `epsilon`), with `log p` a frozen density model of the
    data and `epsilon` a low percentile of its log density on real data (10% in the
    authors' code). It pushes the generator out of the data's high-density regions, into
    the gaps a complement generator should fill (Dai et al. 2017, section 4; their MNIST
    code uses a PixelCNN++ with weight 1e-4).

    Args:
        log_density: float tensor `(batch,)`, `log p(x)` of the generated samples.
        threshold: float, `epsilon`.

    Returns:
        Scalar loss, >= 0.
    """
    excess = ops.relu(ops.reshape(log_density, (-1,)) - threshold)
    count = ops.sum(ops.cast(excess > 0, excess.dtype))
    return ops.sum(excess) / ops.maximum(count, 1.0)


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
