"""Loss functions of semi-supervised GANs, as pure functions of logits and features,
one module per family (gan, triple_gan, bad_gan, consistency), all importable from here.

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

from keras_sslgan.losses.bad_gan import (
    feature_matching_distance,
    feature_matching_l1_loss,
    low_density_loss,
    pull_away_loss,
)
from keras_sslgan.losses.consistency import (
    consistency_loss,
    pseudo_label_loss,
    sigmoid_rampup,
)
from keras_sslgan.losses.gan import (
    HEADS,
    check_head,
    conditional_entropy_loss,
    feature_matching_loss,
    k_plus_one_discriminator_loss,
    logsumexp_discriminator_loss,
    non_saturating_generator_loss,
    real_vs_fake_logit,
    supervised_loss,
)
from keras_sslgan.losses.triple_gan import (
    class_balance_loss,
    classifier_adversarial_loss,
    classifier_adversarial_loss_argmax,
    pair_discriminator_loss,
    pair_generator_loss,
)

__all__ = [
    "HEADS",
    "check_head",
    "class_balance_loss",
    "classifier_adversarial_loss",
    "classifier_adversarial_loss_argmax",
    "conditional_entropy_loss",
    "consistency_loss",
    "feature_matching_distance",
    "feature_matching_l1_loss",
    "feature_matching_loss",
    "k_plus_one_discriminator_loss",
    "logsumexp_discriminator_loss",
    "low_density_loss",
    "non_saturating_generator_loss",
    "pair_discriminator_loss",
    "pair_generator_loss",
    "pseudo_label_loss",
    "pull_away_loss",
    "real_vs_fake_logit",
    "sigmoid_rampup",
    "supervised_loss",
]
