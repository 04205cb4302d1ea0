"""The name of the machine a benchmark ran on, for its records (no TensorFlow import)."""

import os
import platform

# The x86 flags of bfloat16 arithmetic, and their names in `machine()`.
BFLOAT16_FLAGS = (("avx512_bf16", "AVX512_BF16"), ("amx_bf16", "AMX"))


def machine():
    """`AMD EPYC (AVX2), 2 cores`: the processor, its widest x86 vector extension when
    known (the same model name covers processors of 2x different speed with and without
    AVX-512) and its bfloat16 arithmetic (`Intel Xeon (AVX-512, AVX512_BF16, AMX)`), and
    the cores this process may use (wall-clock figures, budgets above all,
    hold for one machine)."""
    model, flags = platform.processor() or platform.machine(), set()
    if os.path.exists("/proc/cpuinfo"):
        with open("/proc/cpuinfo") as f:
            info = [line.split(":", 1) for line in f if ":" in line]
        names = [value.strip() for name, value in info if name.strip() == "model name"]
        flags = {flag for name, value in info if name.strip() == "flags" for flag in value.split()}
        model = names[0] if names else model
    vector = next((v for f, v in [("avx512f", "AVX-512"), ("avx2", "AVX2")] if f in flags), None)
    extensions = [vector] if vector else []
    extensions += [name for flag, name in BFLOAT16_FLAGS if flag in flags]
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    named = f" ({', '.join(extensions)})" if extensions else ""
    return f"{model}{named}, {cores} cores"


def short(name):
    """`Xeon (AVX-512, AVX512_BF16, AMX)` for `machine()`'s name: the processor and its
    extensions, for a table's row per machine (bfloat16 products round differently on
    each, and the same seed ends elsewhere)."""
    return name.replace("Intel(R) Xeon(R) Processor", "Xeon").replace(", 2 cores", "")
