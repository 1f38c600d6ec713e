"""llama.cpp's native code on the CPU it meets: which build variant runs here, checked before use.

The trap this module closes: a llama.cpp compiled for the CPU it was built on (llama-cpp-python's
default, ``GGML_NATIVE=ON``) dies with ``SIGILL`` on another one, and also on a VM whose ``cpuid``
advertises instructions the hypervisor does not let a process use (AMX tiles on a Xeon VM:
``tilezero`` in ``libggml-cpu.so``). A signal cannot be caught, so in-process it takes everything
down with it: the server, every other session, a whole test run.

So ``scripts/setup`` installs the *portable* build: llama.cpp's ``GGML_BACKEND_DL=ON`` +
``GGML_CPU_ALL_VARIANTS=ON``, one ``libggml-cpu-<variant>.so`` per instruction-set level (x64,
sse42, sandybridge, haswell, skylakex, icelake, zen4, alderlake, sapphirerapids, ...), the way
llama.cpp's own release builds do it. And nothing runs in Hark's process before it was proven to
run on this CPU in a child process:

1. :func:`select` looks for a record of this library on this CPU (:func:`cpu_fingerprint`: vendor,
   model and feature flags). Found: use the variant it names. That is the common case (no child).
2. Otherwise a child process loads the library the way llama.cpp's dispatch would pick
   (``ggml_backend_load_all_from_path``: the variant with the highest score for this CPU's
   ``cpuid``), loads the model and generates a few tokens. It reports which variant it loaded and
   how fast it ran.
3. If the child dies by a signal, the variants are tried from the best score down, each in its own
   child, until one runs. The verdict is recorded (``hark-cpu-checks.json`` beside the library),
   keyed by the library's identity and the CPU's fingerprint, so a library copied to another CPU
   (a moved virtual environment, a container image) is checked again there before it is used.

:func:`load_backend` then loads exactly the recorded variant into this process (``ggml_backend_load``),
before the first ``Llama`` is made. A library built without ``GGML_BACKEND_DL`` (someone's own
native build) has no variants: it is checked in a child all the same, and if it crashes the error
says to run ``scripts/setup``, which rebuilds the portable one.

Run ``python -m hark.llm.native`` to see the verdict for this machine (``--recheck`` to redo it).

The parts: :mod:`.cpu` (the CPU and its fingerprint), :mod:`.library` (the installed library and its
variants), :mod:`.checks` (one check in a child process), :mod:`.child` (what that child runs),
:mod:`.records` (the recorded verdicts), :mod:`.verdict` (:func:`select`), :mod:`.loading`
(:func:`load_backend`, :func:`prepare`) and :mod:`.cli` (the command line).
"""

from __future__ import annotations

from .checks import CHECK_TIMEOUT_S, CheckResult, Runner, check, check_command, scores
from .cli import main
from .cpu import CpuInfo, cpu_info
from .library import VARIANT_PREFIX, library_dir, library_identity, variant_name, variants
from .loading import _ggml, _ggml_load, _mapped_variant, load_backend, prepare
from .records import RECORD_NAME
from .verdict import Selection, select

__all__ = [
    "CHECK_TIMEOUT_S",
    "RECORD_NAME",
    "VARIANT_PREFIX",
    "CheckResult",
    "CpuInfo",
    "Runner",
    "Selection",
    "_ggml",
    "_ggml_load",
    "_mapped_variant",
    "check",
    "check_command",
    "cpu_info",
    "library_dir",
    "library_identity",
    "load_backend",
    "main",
    "prepare",
    "scores",
    "select",
    "variant_name",
    "variants",
]
