"""The SSL-GAN's losses (Salimans et al. 2016; Odena 2016): the two heads' real-vs-fake
logit, the supervised and unsupervised discriminator losses, the conditional entropy,
and the generator's feature matching and non-saturating losses."""

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
