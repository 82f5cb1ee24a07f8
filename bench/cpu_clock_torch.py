"""Runs a PyTorch twin with time.perf_counter replaced by the process CPU clock.

On a shared machine wall time measures the scheduler; CPU time (all threads) measures the work.
Use with one torch thread and OPENBLAS_NUM_THREADS=1 so CPU time equals single-core compute time.
Usage: python3 bench/cpu_clock_torch.py [--task clip|caption] [twin arguments]
  clip (default): bench/clip_step_torch.py; caption: bench/caption_step_torch.py
"""
import importlib
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
task = "clip"
if "--task" in sys.argv:
    i = sys.argv.index("--task")
    task = sys.argv[i + 1]
    del sys.argv[i : i + 2]
module = {"clip": "clip_step_torch", "caption": "caption_step_torch"}[task]
import time  # noqa: E402

time.perf_counter = time.process_time
importlib.import_module(module).main()
