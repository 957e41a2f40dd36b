"""`python -m goldenpath_audit` runs the same app as the console script.

`python -m` puts the current directory first on `sys.path`, so a project with a
`typing.py` or `typer.py` at its root would have that file imported, that is run,
by the tool auditing it. The entry is dropped before anything else is imported;
this package's own modules are found through the package, not through `sys.path`.
"""

import os
import sys

if sys.path and not sys.flags.safe_path and os.path.abspath(sys.path[0] or os.curdir) == os.getcwd():
    del sys.path[0]

from goldenpath_audit.cli import main  # noqa: E402 - after the sys.path fix, on purpose

if __name__ == "__main__":
    main()
