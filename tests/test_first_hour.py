"""What a new user meets first: the README's set-up and quickstart, the extras, and
`fit`'s progress output in a log file."""

import configparser
import io
import os
import re
import subprocess
import sys
import textwrap

import pytest

from keras_sslgan.engine.fitting import default_verbosity

ROOT = os.path.join(os.path.dirname(__file__), os.pardir)


def read(name):
    with open(os.path.join(ROOT, name), encoding="utf-8") as f:
        return f.read()


def section(markdown, heading):
    """The text under `heading` (a line of the markdown) up to the next heading of its
    level or above."""
    level = len(heading.split(" ")[0])
    lines = markdown.splitlines()
    start = lines.index(heading) + 1
    fenced = False
    for end in range(start, len(lines)):
        fenced ^= lines[end].startswith("```")
        hashes = lines[end].split(" ")[0]
        if not fenced and hashes and set(hashes) == {"#"} and len(hashes) <= level:
            break
    else:
        end = len(lines)
    return "\n".join(lines[start:end]) + "\n"


def code_blocks(text, language):
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.S)


def setup_commands():
    """The README's set-up commands as `.ci/run` reads them."""
    block = code_blocks(section(read("README.md"), "## Set-up"), "bash")[0]
    return [line for line in block.splitlines() if line.strip() and not line.startswith("#")]


def extras():
    config = configparser.ConfigParser()
    config.read(os.path.join(ROOT, "setup.cfg"))
    return {
        name: {re.split(r"[<>=\[ ]", line)[0] for line in value.split("\n") if line}
        for name, value in config["options.extras_require"].items()
    }


def test_readme_set_up_is_two_commands_main_job_then_tests():
    main_job, tests = setup_commands()
    assert "examples/mnist.py" in main_job and "pip install" in main_job
    assert "pytest" in tests and "pip install" in tests


def test_the_examples_extra_brings_what_the_examples_import_and_export_with():
    """`examples/mnist.py` ends by exporting to ONNX: the `examples` extra installs the
    export packages (a fresh machine has no `onnx` otherwise)."""
    found = extras()
    assert found["export"] <= found["examples"]
    assert {"matplotlib", "pillow"} <= found["examples"]
    main_job = setup_commands()[0]
    installed = set(re.search(r"\.\[([a-z,]+)\]", main_job).group(1).split(","))
    assert "examples" in installed


def test_ci_reads_both_commands_from_the_readme():
    script = os.path.join(ROOT, ".ci", "run")
    assert "python3 -m venv" in read(".ci/run")
    result = subprocess.run(
        ["bash", script, "--print-commands"], capture_output=True, text=True, check=True
    )
    assert result.stdout.splitlines() == setup_commands()


@pytest.mark.parametrize(
    "verbose, tty, notebook, expected",
    [
        ("auto", True, False, 1),
        ("auto", False, False, 2),
        ("auto", False, True, 1),
        (0, True, False, 0),
        (1, False, False, 1),
    ],
)
def test_default_verbosity_is_one_line_per_epoch_in_a_file(
    monkeypatch, verbose, tty, notebook, expected
):
    stream = io.StringIO()
    stream.isatty = lambda: tty
    if notebook:
        monkeypatch.setitem(sys.modules, "ipykernel", object())
    else:
        monkeypatch.delitem(sys.modules, "ipykernel", raising=False)
    assert default_verbosity(verbose, stream) == expected


FIT_SCRIPT = """
import sys
sys.path.insert(0, {tests!r})
import keras, keras_sslgan
from helpers import synthetic_images, tiny_discriminator, tiny_generator
x, y = synthetic_images(60)
model = keras_sslgan.FeatureMatchingGAN(
    tiny_generator(), tiny_discriminator(), num_classes=3,
    preprocessing=keras.layers.Rescaling(1 / 255), seed=0)
model.compile(d_optimizer=keras.optimizers.Adam(1e-3), g_optimizer=keras.optimizers.Adam(1e-3))
model.fit((x[:9], y[:9]), x, batch_size=10, epochs=2, steps_per_epoch={steps})
"""


def piped_fit_output(steps):
    script = FIT_SCRIPT.format(tests=os.path.dirname(os.path.abspath(__file__)), steps=steps)
    result = subprocess.run(
        [sys.executable, "-c", script],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        check=True,
        cwd=ROOT,
    )
    return result.stdout.decode()


def test_fit_through_a_pipe_writes_lines_per_epoch_not_per_step():
    few, many = piped_fit_output(3), piped_fit_output(300)
    for output in (few, many):
        assert "Epoch 1/2" in output and "Epoch 2/2" in output
        assert "\r" not in output and "\b" not in output
    # The same lines, whatever the number of steps: two epoch headers, two summaries.
    assert len(many.splitlines()) == len(few.splitlines()) == 4
    assert len(many) < 1000


def test_readme_quickstart_runs_as_written(data_dir, tmp_path, monkeypatch):
    """The first code a user copies, at a tiny scale: the epochs become one epoch of
    two steps; everything else runs as printed."""
    block = code_blocks(section(read("README.md"), "## Quickstart"), "python")[0]
    assert block.count("epochs=") == 1
    tiny = re.sub(r"epochs=\d+", "epochs=1, steps_per_epoch=2", block)
    monkeypatch.setenv("KERAS_SSLGAN_DATA", os.path.abspath(data_dir))
    monkeypatch.chdir(tmp_path)
    namespace = {}
    exec(compile(textwrap.dedent(tiny), "README.md quickstart", "exec"), namespace)
    model = namespace["model"]
    assert model.training_step() == 2
    for name in os.listdir(tmp_path):
        assert os.path.getsize(tmp_path / name) > 0
    assert len(os.listdir(tmp_path)) >= 2  # the model and the exported classifier


def github_anchor(heading):
    """The anchor GitHub gives a markdown heading."""
    text = heading.lstrip("#").strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def test_relative_links_of_readme_and_docs_resolve():
    """Every relative link of README.md, BENCHMARKS.md, CHANGELOG.md and docs/ points at
    a file of the repository, and its #anchor at a heading of that file."""
    pages = ["README.md", "BENCHMARKS.md", "CHANGELOG.md"]
    for folder, _, files in os.walk(os.path.join(ROOT, "docs")):
        pages += [
            os.path.relpath(os.path.join(folder, name), ROOT)
            for name in files
            if name.endswith(".md")
        ]
    checked = 0
    for page in pages:
        text = re.sub(r"```.*?```", "", read(page), flags=re.S)
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"[a-z]+:", target):
                continue
            path, _, anchor = target.partition("#")
            resolved = os.path.normpath(os.path.join(os.path.dirname(page), path)) if path else page
            assert os.path.exists(os.path.join(ROOT, resolved)), f"{page}: {target}"
            if anchor:
                headings = [line for line in read(resolved).splitlines() if line.startswith("#")]
                anchors = {github_anchor(h) for h in headings}
                assert anchor in anchors, f"{page}: {target} (no such heading)"
            checked += 1
    assert checked >= 30


def test_readme_is_a_front_page():
    readme = read("README.md")
    assert len(readme.splitlines()) <= 200
    for guide in ("docs/photos.md", "docs/deployment.md"):  # two clicks from the README
        assert f"]({guide})" in readme
