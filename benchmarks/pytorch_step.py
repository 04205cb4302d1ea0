"""The MNIST FM-GAN training step of keras_sslgan beside a minimal PyTorch one.

Both sides run the README model's step (`recipes.salimans_mnist(budget=True)`): the
discriminator 784-1000-500-250-250-250-10 (weight norm, hidden scales fixed, Gaussian
noise 0.3 on the input and 0.5 after each hidden layer, the logsumexp head), the
generator 100-500-500-784 (batch norm without scale, softplus, a weight-normalized
sigmoid output); one discriminator update on `b` labeled + `b` unlabeled + `b`
generated images in one pass, then one generator update by feature matching (the real
features in a pass of their own, outside the gradient); Adam(3e-3, 0.5, 0.9999) and
Adam(1e-3, 0, 0.9999), epsilon 1e-7, an EMA of the discriminator's weights (0.999).
The PyTorch side is written here for this comparison only (PyTorch is a benchmark
dependency, never the package's: `pip install torch --index-url
https://download.pytorch.org/whl/cpu`): eager mode, the optimizers' defaults, PyTorch's
own weight norm (`nn.utils.parametrizations.weight_norm`, one fused op per layer).
`tests/test_benchmarks.py` checks that its networks compute the Keras networks' outputs
from the same weights.

Each variant runs in a fresh process per round (warm-up steps, then `--steps` timed
steps); the table gives the median over the rounds and each round's figure:

    python benchmarks/pytorch_step.py --data-dir ../shared/data/mnist [--rounds 3]
        [--steps 150] [--batches 100 25] [--variants ...]
"""

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

VARIANTS = {
    "keras_sslgan, float32": ("keras", "float32"),
    "keras_sslgan, bfloat16 products": ("keras", "bfloat16"),
    # TensorFlow with one inter-op thread (its default: one per core).
    "keras_sslgan, float32, 1 inter-op thread": ("keras", "float32, 1 thread"),
    "PyTorch eager, float32": ("torch", "float32"),
    "PyTorch eager, bfloat16 autocast": ("torch", "bfloat16"),
    # The weight norm written as the Keras layer computes it, one op at a time.
    "PyTorch eager, float32, weight norm in plain ops": ("torch", "float32, plain"),
}
WARMUP = 20


def mnist_batches(data_dir, batch, steps, seed=0):
    """`(x_labeled, y_labeled, x_unlabeled)` of uint8 MNIST: 100 balanced labeled images
    and enough unlabeled ones for `steps + WARMUP` steps."""
    import keras_sslgan

    (x, y), _ = keras_sslgan.datasets.mnist.load_data(data_dir)
    (x_l, y_l), x_u = keras_sslgan.split_labeled(x, y, 100, seed=seed)
    return x_l, y_l, x_u[: (steps + WARMUP) * batch]


def keras_ms_per_step(data_dir, batch, steps, product_dtype):
    import common
    import keras
    import tensorflow as tf

    if product_dtype.endswith(", 1 thread"):  # before TensorFlow starts its thread pools
        tf.config.threading.set_inter_op_parallelism_threads(1)
        product_dtype = product_dtype.split(",")[0]

    import keras_sslgan

    x_l, y_l, x_u = mnist_batches(data_dir, batch, steps)
    keras.utils.set_random_seed(0)
    model = keras_sslgan.recipes.salimans_mnist(budget=True, seed=0, product_dtype=product_dtype)
    return 1e3 * common.seconds_per_step(model, x_l, y_l, x_u, steps, batch_size=batch)


def torch_networks(input_noise=0.3, hidden_noise=0.5, fused_weight_norm=True):
    """`(discriminator, generator)`: the Keras model's networks as PyTorch modules; with
    `fused_weight_norm=False` the weight norm in plain ops (square, sum, sqrt, divide,
    multiply), as `WeightNormDense` computes it."""
    import torch
    from torch import nn
    from torch.nn import functional as F

    class PlainWeightNorm(nn.Module):
        def __init__(self, n_in, n_out, train_scale):
            super().__init__()
            self.v = nn.Parameter(0.1 * torch.randn(n_out, n_in))
            self.g = nn.Parameter(torch.ones(n_out), requires_grad=train_scale)
            self.bias = nn.Parameter(torch.zeros(n_out))

        def forward(self, x):
            norm = torch.sqrt((self.v * self.v).sum(1) + 1e-12)
            return F.linear(x, self.v * (self.g / norm).unsqueeze(1), self.bias)

    def weight_norm_linear(n_in, n_out, train_scale=True):
        if not fused_weight_norm:
            return PlainWeightNorm(n_in, n_out, train_scale)
        """`x @ (v g / ||v||).T + b`, the norm per output unit: PyTorch's own weight norm
        (one fused `_weight_norm` op), `v` of std 0.1 and `g` 1 as in the Keras model."""
        layer = nn.utils.parametrizations.weight_norm(nn.Linear(n_in, n_out), dim=0)
        with torch.no_grad():
            layer.parametrizations.weight.original1.normal_(0.0, 0.1)  # v
            layer.parametrizations.weight.original0.fill_(1.0)  # g
            layer.bias.zero_()
        layer.parametrizations.weight.original0.requires_grad_(train_scale)
        return layer

    class Discriminator(nn.Module):
        def __init__(self):
            super().__init__()
            units = (784, 1000, 500, 250, 250, 250)
            self.hidden = nn.ModuleList(
                weight_norm_linear(a, b, train_scale=False) for a, b in zip(units, units[1:])
            )
            self.logits = weight_norm_linear(250, 10)

        def forward(self, x):
            x = x.flatten(1)
            x = x + input_noise * torch.randn_like(x)
            for layer in self.hidden:
                features = F.relu(layer(x))
                x = features + hidden_noise * torch.randn_like(features)
            return self.logits(x), features

    class Generator(nn.Module):
        def __init__(self):
            super().__init__()
            self.dense = nn.ModuleList(
                [nn.Linear(100, 500, bias=False), nn.Linear(500, 500, bias=False)]
            )
            self.norms = nn.ModuleList(
                [nn.BatchNorm1d(500, eps=1e-3, momentum=0.01) for _ in range(2)]
            )
            for norm in self.norms:
                norm.weight.requires_grad_(False)  # no scale, as Keras' scale=False
            self.output_layer = weight_norm_linear(500, 784)

        def forward(self, z):
            for dense, norm in zip(self.dense, self.norms):
                z = F.softplus(norm(dense(z)))
            return torch.sigmoid(self.output_layer(z))

    return Discriminator(), Generator()


def torch_ms_per_step(data_dir, batch, steps, dtype):
    import torch
    from torch.nn import functional as F

    torch.manual_seed(0)
    d, g = torch_networks(fused_weight_norm="plain" not in dtype)
    d_params = [p for p in d.parameters() if p.requires_grad]
    g_params = [p for p in g.parameters() if p.requires_grad]
    d_opt = torch.optim.Adam(d_params, lr=3e-3, betas=(0.5, 0.9999), eps=1e-7)
    g_opt = torch.optim.Adam(g_params, lr=1e-3, betas=(0.0, 0.9999), eps=1e-7)
    ema = [p.detach().clone() for p in d_params]
    autocast = torch.autocast("cpu", dtype=torch.bfloat16, enabled=dtype == "bfloat16")

    def step(x_l, y_l, x_u):
        x_l, x_u = x_l.float() / 255.0, x_u.float() / 255.0
        with torch.no_grad(), autocast:
            x_g = g(torch.rand(batch, 100))
        with autocast:
            logits, _ = d(torch.cat([x_l.flatten(1), x_u.flatten(1), x_g.float()]))
        logits = logits.float()
        lse_u = torch.logsumexp(logits[batch : 2 * batch], 1)
        lse_g = torch.logsumexp(logits[2 * batch :], 1)
        unsupervised = -lse_u.mean() + F.softplus(lse_u).mean() + F.softplus(lse_g).mean()
        d_loss = F.cross_entropy(logits[:batch], y_l) + unsupervised
        d_opt.zero_grad(set_to_none=True)
        d_loss.backward()
        d_opt.step()
        with torch.no_grad():
            torch._foreach_lerp_(ema, d_params, 1 - 0.999)
            with autocast:
                _, real = d(x_u.flatten(1))
        with autocast:
            _, generated = d(g(torch.rand(batch, 100)))
        g_loss = torch.mean((real.float().mean(0) - generated.float().mean(0)) ** 2)
        g_opt.zero_grad(set_to_none=True)
        g_loss.backward()
        g_opt.step()
        return d_loss

    x_l, y_l, x_u = mnist_batches(data_dir, batch, steps)
    x_l, y_l = torch.from_numpy(x_l), torch.from_numpy(y_l.astype("int64"))
    x_u = torch.from_numpy(x_u)
    labeled = np.arange(steps + WARMUP) * batch % len(x_l)

    def run(first, count):
        for i in range(first, first + count):
            j = labeled[i]
            loss = step(
                x_l[np.arange(j, j + batch) % len(x_l)],
                y_l[np.arange(j, j + batch) % len(x_l)],
                x_u[i * batch : (i + 1) * batch],
            )
        return float(loss.detach())

    run(0, WARMUP)
    start = time.perf_counter()
    run(WARMUP, steps)
    return 1e3 * (time.perf_counter() - start) / steps


def worker(args):
    impl, dtype = VARIANTS[args.worker]
    if impl == "keras":
        ms = keras_ms_per_step(args.data_dir, args.batch, args.steps, dtype)
    else:
        ms = torch_ms_per_step(args.data_dir, args.batch, args.steps, dtype)
    print(json.dumps({"ms_per_step": ms}))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", default=None, help="MNIST folder (default as the example)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=150, help="timed steps per process")
    parser.add_argument("--batches", type=int, nargs="+", default=[100, 25])
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    parser.add_argument("--results", default=None, help="append the record to this JSON-lines file")
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--batch", type=int, default=100, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker(args)

    from machine_name import machine

    times = {(v, b): [] for b in args.batches for v in args.variants}
    for _ in range(args.rounds):
        for batch in args.batches:
            for variant in args.variants:
                command = [sys.executable, os.path.abspath(__file__), "--worker", variant]
                command += ["--batch", str(batch), "--steps", str(args.steps)]
                command += ["--data-dir", args.data_dir] if args.data_dir else []
                done = subprocess.run(command, capture_output=True, text=True)
                if done.returncode:
                    sys.exit(f"{variant} (batch {batch}) failed:\n{done.stderr[-3000:]}")
                result = json.loads(done.stdout.strip().splitlines()[-1])
                times[variant, batch].append(result["ms_per_step"])
                print(f"{variant}, batch {batch}: {result['ms_per_step']:.1f} ms/step", flush=True)
    record = {
        "machine": machine(),
        "date": datetime.date.today().isoformat(),
        "rounds": args.rounds,
        "steps": args.steps,
        "ms_per_step": {f"{v}, batch {b}": t for (v, b), t in times.items()},
    }
    print(f"\n{record['machine']}, {args.rounds} rounds of {args.steps} steps, fresh processes")
    for batch in args.batches:
        base = times.get(("PyTorch eager, float32", batch))
        print(f"\n| batch {batch} | ms/step (median) | rounds | to PyTorch eager float32 |")
        print("|---|---:|---|---:|")
        for variant in args.variants:
            t = times[variant, batch]
            ratio = f"{statistics.median(t) / statistics.median(base):.2f}" if base else "-"
            rounds = ", ".join(f"{x:.1f}" for x in t)
            print(f"| {variant} | {statistics.median(t):.1f} | {rounds} | {ratio} |")
    if args.results:
        with open(args.results, "a") as f:
            f.write(json.dumps(record) + "\n")


if __name__ == "__main__":
    main()
