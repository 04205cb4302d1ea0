"""Triple-GAN's losses (Li et al. 2017): the pair discriminator, the generator and the
classifier in the three-player game, and the class-balance term."""

from keras import ops


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


def class_balance_loss(class_logits, gather=None):
    """Cross-entropy of the batch-mean prediction against the uniform distribution.

    `L_bal = -(1/K) sum_k log( mean_i p(k | x_i) )`, at its minimum `log K` when C's
    predictions on the batch use every class equally: it keeps one class from absorbing
    the others on unlabeled data (the balance term of the authors' Triple-GAN MNIST
    script, weight 1e-3).

    Args:
        class_logits: float tensor `(batch, K)`.
        gather: callable or `None`: `(batch, K)` -> `(global batch, K)`. `None` is this
            batch; under `tf.distribute` pass `keras_sslgan.engine.distribute.global_batch`
            for the global batch's mean (every replica then computes the loss of the
            global batch, and its examples get their gradients through the gather).

    Returns:
        Scalar loss, `>= log K`.

    The mean is taken in log space, `log mean_i p_ik = logsumexp_i(log p_ik) - log N`, so
    a class that no example predicts (every `p_ik` below float32's smallest number:
    logits 100 apart, on one replica or across them) gives a finite loss and its
    gradient, instead of `log 0`.
    """
    log_probabilities = ops.log_softmax(ops.cast(class_logits, "float32"), axis=-1)
    if gather is not None:
        log_probabilities = gather(log_probabilities)
    count = ops.cast(ops.shape(log_probabilities)[0], "float32")
    log_mean = ops.logsumexp(log_probabilities, axis=0) - ops.log(count)
    return -ops.mean(log_mean)


# --- Bad GAN (Dai, Yang, Yang, Cohen, Salakhutdinov 2017, https://arxiv.org/abs/1705.09783) -
# A complement generator: fakes in the low-density gaps between the classes.
