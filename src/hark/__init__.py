"""Hark: a fast, private, self-hosted voice assistant."""

import os

# Measured on 2 cores: numpy's OpenBLAS threads spin after every matrix product (Smart Turn's mel
# filterbank, Whisper's features) and burn the core that the next model needs: Smart Turn took
# 139 ms instead of 80. One BLAS thread, set before numpy loads; a user's own value wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

__version__ = "0.1.0"
