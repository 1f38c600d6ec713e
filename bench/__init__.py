"""Hark's benchmarks. Importing hark first applies its thread settings (OpenBLAS, OpenMP) before numpy loads,
so the figures are those of the real program."""

import hark  # noqa: F401
