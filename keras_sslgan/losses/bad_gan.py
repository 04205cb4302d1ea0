"""Bad GAN's generator terms (Dai et al. 2017): L1 feature matching, the pull-away term
and the low-density term of the complement generator."""

from keras import ops

from keras_sslgan.losses.gan import feature_matching_loss


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
