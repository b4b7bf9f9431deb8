"""A stage's process starts seeded, with deterministic kernels, and without importing torch.compile's stack."""
import subprocess
import sys


def test_make_deterministic_switches_on_deterministic_kernels_cheaply():
    code = ("import sys, torch; from pipeline_lib.util.runtime import make_deterministic; make_deterministic(3, 1); "
            "print(torch.are_deterministic_algorithms_enabled(), 'torch._inductor' in sys.modules, "
            "torch.get_num_threads(), torch.initial_seed())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["True", "False", "1", "3"]
