"""Runs bench/clip_step_torch.py with time.perf_counter replaced by the process CPU clock.

On a shared machine wall time measures the scheduler; CPU time (all threads) measures the work.
Use with one torch thread and OPENBLAS_NUM_THREADS=1 so CPU time equals single-core compute time.
Usage: python3 bench/cpu_clock_torch.py [clip_step_torch.py arguments]
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
time.perf_counter = time.process_time
import clip_step_torch  # noqa: E402

clip_step_torch.main()
