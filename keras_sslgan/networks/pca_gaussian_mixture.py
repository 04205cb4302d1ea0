"""A density model of images that fits in seconds: a Gaussian mixture in a PCA space."""

import keras
import numpy as np
from keras import ops


@keras.saving.register_keras_serializable(package="keras_sslgan")
class PCAGaussianMixture(keras.layers.Layer):
    """`log p(x)` per example: a Gaussian mixture on the top principal components, and an
    isotropic Gaussian on the rest.

    With `mu` the data mean, `W` the `(D, d)` orthonormal top-`d` principal directions,
    `z = W^T (x - mu)` and `r = |x - mu|^2 - |z|^2` the squared residual,

        log p(x) = log sum_k pi_k N(z; m_k, S_k)
                   - (D - d) / 2 * log(2 pi s^2) - r / (2 s^2),

    a proper density on the D-dimensional input space (probabilistic PCA's residual with
    a mixture in the subspace). It is differentiable in `x`, so it can serve as Bad GAN's
    frozen density model (`keras_sslgan.BadGAN(density_model=...)`), where the authors
    used a PixelCNN++ that takes hours to train. Its weights are constants made by
    `PCAGaussianMixture.fit` (PCA by SVD, the mixture by EM, in float64); none trains.

    Args:
        input_dim: int, D, the number of values in an example (it is flattened).
        pca_dim: int, d <= D, the principal components the mixture models.
        num_components: int, the mixture's K.
        **kwargs: base layer arguments (`name`, ...).

    Example:
    ```python
    density = keras_sslgan.networks.PCAGaussianMixture.fit(x_unlabeled / 255.0, seed=0)
    log_p = density(x_test / 255.0)  # (batch,)
    ```
    """

    def __init__(self, input_dim, pca_dim, num_components, **kwargs):
        super().__init__(**kwargs)
        for name, value in (
            ("input_dim", input_dim),
            ("pca_dim", pca_dim),
            ("num_components", num_components),
        ):
            if isinstance(value, bool) or int(value) != value or value < 1:
                raise ValueError(f"`{name}` must be a positive integer. Received: {name}={value!r}")
        if pca_dim > input_dim:
            raise ValueError(
                f"`pca_dim` must be at most `input_dim`={input_dim}. Received: pca_dim={pca_dim}"
            )
        # === Config ===
        self.input_dim = int(input_dim)
        self.pca_dim = int(pca_dim)
        self.num_components = int(num_components)

        # === Weights (constants set by `fit`) ===
        d, k = self.pca_dim, self.num_components

        def constant(name, shape):
            return self.add_weight(name=name, shape=shape, initializer="zeros", trainable=False)

        self.mean = constant("mean", (self.input_dim,))
        self.projection = constant("projection", (self.input_dim, d))
        self.component_means = constant("component_means", (k, d))
        # Cholesky factors L_k of the precisions, S_k^-1 = L_k L_k^T.
        self.precision_factors = constant("precision_factors", (k, d, d))
        # log pi_k + log det L_k - d/2 log(2 pi).
        self.log_normalizers = constant("log_normalizers", (k,))
        self.residual_variance = constant("residual_variance", ())
        self.built = True

    def call(self, x):
        x = ops.reshape(ops.cast(x, self.compute_dtype), (-1, self.input_dim))
        centered = x - self.mean
        z = ops.matmul(centered, self.projection)
        residual = ops.relu(ops.sum(ops.square(centered), -1) - ops.sum(ops.square(z), -1))
        # (batch, K, d): L_k^T (z - m_k), whose squared norm is the Mahalanobis distance.
        whitened = ops.einsum(
            "bkd,kde->bke", z[:, None, :] - self.component_means, self.precision_factors
        )
        log_components = self.log_normalizers - 0.5 * ops.sum(ops.square(whitened), -1)
        log_p = ops.logsumexp(log_components, axis=-1)
        rest = self.input_dim - self.pca_dim
        if rest:
            log_p += -0.5 * rest * ops.log(2 * np.pi * self.residual_variance) - residual / (
                2 * self.residual_variance
            )
        return log_p

    def compute_output_shape(self, input_shape):
        return (input_shape[0],)

    @classmethod
    def fit(
        cls, x, pca_dim=80, num_components=20, iterations=100, tolerance=1e-3, seed=0, **kwargs
    ):
        """A `PCAGaussianMixture` fitted to `x` by maximum likelihood.

        PCA by SVD of the centred data (the residual variance `s^2` is the mean of the
        discarded eigenvalues, its maximum-likelihood value), then EM for the mixture
        from `num_components` examples as means, chosen by k-means++ seeding (each
        next one drawn with probability proportional to its squared distance to the
        nearest chosen one; by `seed`), stopped when the mean log-likelihood gains less
        than `tolerance` nats in an iteration.
        A ridge of 1e-6 times the mean variance keeps every covariance invertible.

        Args:
            x: array `(N, ...)` of floats, in the space the density is to be evaluated
                in (e.g. preprocessed images, dequantized for discrete pixels).
            pca_dim, num_components: as in the constructor.
            iterations: int, the most EM iterations.
            tolerance: float, the stopping gain in mean log-likelihood.
            seed: int, the choice of the initial means.
            **kwargs: constructor arguments (`name`, ...).
        """
        x = np.asarray(x, dtype=np.float64).reshape(len(x), -1)
        n, dim = x.shape
        if not np.all(np.isfinite(x)):
            raise ValueError(
                "`x` holds NaN or infinite values: the density of such data is undefined. "
                f"Received: {int(np.sum(~np.isfinite(x)))} non-finite values in x of shape "
                f"{x.shape}"
            )
        if n < num_components:
            raise ValueError(f"`x` has {n} examples, fewer than num_components={num_components}.")
        if not 1 <= pca_dim <= min(n, dim):
            raise ValueError(
                f"`pca_dim` must be in [1, min(examples, dimensions)] = [1, {min(n, dim)}]: "
                f"the principal components come from {n} examples of {dim} dimensions. "
                f"Received: pca_dim={pca_dim!r}"
            )
        if not np.any(x.std(axis=0) > 0):
            raise ValueError("`x` is constant: every example is the same, no density to fit.")
        distinct = len(np.unique(x[:5000], axis=0))  # enough to tell, most of the time
        if distinct < num_components and n > 5000:
            distinct = len(np.unique(x, axis=0))
        if distinct < num_components:
            raise ValueError(
                f"`x` has {distinct} distinct examples ({n} in all), fewer than "
                f"num_components={num_components}: each component starts at a distinct "
                "example. Pass more data or fewer components."
            )
        layer = cls(dim, pca_dim, num_components, **kwargs)
        mean = x.mean(axis=0)
        _, singular, directions = np.linalg.svd(x - mean, full_matrices=False)
        projection = directions[:pca_dim].T
        eigenvalues = singular**2 / n
        residual_variance = eigenvalues[pca_dim:].sum() / (dim - pca_dim) if dim > pca_dim else 1
        z = (x - mean) @ projection

        rng = np.random.default_rng(seed)
        chosen = [rng.integers(n)]
        nearest = np.sum(np.square(z - z[chosen[0]]), axis=1)
        for _ in range(num_components - 1):
            chosen.append(rng.choice(n, p=nearest / nearest.sum()))
            nearest = np.minimum(nearest, np.sum(np.square(z - z[chosen[-1]]), axis=1))
        means = z[chosen]
        ridge = 1e-6 * np.mean(np.var(z, axis=0))
        covariances = np.repeat(np.cov(z.T).reshape(1, pca_dim, pca_dim), num_components, 0)
        log_weights = np.full(num_components, -np.log(num_components))
        previous = -np.inf
        for _ in range(iterations):
            factors, normalizers = _precision_factors(covariances, log_weights)
            log_joint = _log_components(z, means, factors, normalizers)
            peak = log_joint.max(axis=1, keepdims=True)
            log_likelihood = (peak + np.log(np.exp(log_joint - peak).sum(1, keepdims=True)))[:, 0]
            responsibilities = np.exp(log_joint - log_likelihood[:, None])
            counts = responsibilities.sum(axis=0) + 1e-10
            log_weights = np.log(counts / n)
            means = responsibilities.T @ z / counts[:, None]
            for k in range(num_components):
                centered = z - means[k]
                covariances[k] = (responsibilities[:, k, None] * centered).T @ centered
                covariances[k] = covariances[k] / counts[k] + ridge * np.eye(pca_dim)
            if log_likelihood.mean() - previous < tolerance:
                break
            previous = log_likelihood.mean()
        factors, normalizers = _precision_factors(covariances, log_weights)
        for weight, value in (
            (layer.mean, mean),
            (layer.projection, projection),
            (layer.component_means, means),
            (layer.precision_factors, factors),
            (layer.log_normalizers, normalizers),
            (layer.residual_variance, residual_variance),
        ):
            weight.assign(np.asarray(value, dtype=weight.dtype))
        return layer

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "input_dim": self.input_dim,
                "pca_dim": self.pca_dim,
                "num_components": self.num_components,
            }
        )
        return config


def _precision_factors(covariances, log_weights):
    """`L_k` with `S_k^-1 = L_k L_k^T`, and `log pi_k + log det L_k - d/2 log 2 pi`."""
    d = covariances.shape[-1]
    # S = C C^T (Cholesky) gives S^-1 = C^-T C^-1, so L = C^-T.
    factors = np.stack([np.linalg.inv(np.linalg.cholesky(c)).T for c in covariances])
    log_det = np.log(np.diagonal(factors, axis1=1, axis2=2)).sum(axis=1)
    return factors, log_weights + log_det - 0.5 * d * np.log(2 * np.pi)


def _log_components(z, means, factors, normalizers):
    """`(N, K)`: `log pi_k N(z_i; m_k, S_k)`."""
    return np.stack(
        [
            normalizers[k] - 0.5 * np.sum(np.square((z - means[k]) @ factors[k]), axis=1)
            for k in range(len(means))
        ],
        axis=1,
    )
