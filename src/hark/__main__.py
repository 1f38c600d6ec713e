import os
import sys

try:
    from .cli import main
except ImportError as exc:  # a broken installation: say what is missing, in one line
    if os.environ.get("HARK_DEBUG", "") not in ("", "0"):
        raise
    print(
        f"hark: error [install]: {exc}; run scripts/setup to repair the installation "
        "(HARK_DEBUG=1 shows the traceback)",
        file=sys.stderr,
    )
    raise SystemExit(2) from None

raise SystemExit(main())
