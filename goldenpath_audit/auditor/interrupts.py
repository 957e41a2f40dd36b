"""SIGINT and SIGTERM end a `fix` run cleanly: one line on stderr, exit 130 or 143, no traceback.

Inside the block, either signal raises `Interrupted` wherever the run is. The
writer holds both signals while it replaces a file (see `writer.py`), so the
exception never arrives in the middle of a replacement: the file being written
ends wholly fixed or wholly untouched, and its temporary file is gone. The
usual shell convention gives the exit code (128 + the signal number). Signals
the parent process set to be ignored (a background job's SIGINT) stay ignored.
Outside the block (Python starting up, importing, shutting down) the usual
handlers apply; nothing is written there.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Iterator

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(BaseException):
    """Raised by the signal handler; a BaseException so no `except Exception` swallows it."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


@contextlib.contextmanager
def exit_on_signals(message: str = "each file was either fixed completely or left as it was") -> Iterator[None]:
    """Turn SIGINT/SIGTERM into `SystemExit(128 + signum)` after printing `message`; restore handlers after.

    The handler raises `Interrupted` where the run is, but code on the way may
    wrap it (an exception raised inside `__set_name__` during a lazy import
    becomes a RuntimeError) or swallow it (a best-effort cache write). So the
    signal is also recorded, and whatever leaves the block once a signal came,
    be it an exception or the command's normal exit, becomes the signal's exit.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []

    def stop(signum: int, frame: object) -> None:
        received.append(signum)
        raise Interrupted(signum)

    previous: dict[int, object] = {}
    try:
        for signum in SIGNALS:
            handler = signal.getsignal(signum)
            if handler is not None and handler != signal.SIG_IGN:
                previous[signum] = signal.signal(signum, stop)
        yield
    except BaseException:
        if not received:
            raise
        _leave(received[0], message, previous)
    else:
        if received:
            _leave(received[0], message, previous)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)  # type: ignore[arg-type]


def _leave(signum: int, message: str, handlers: dict[int, object]) -> None:
    # Later signals are ignored while we say goodbye: the work is already safe.
    for other in handlers:
        signal.signal(other, signal.SIG_IGN)
    try:
        print(f"goldenpath-audit: interrupted by {signal.Signals(signum).name}; {message}", file=sys.stderr)
    except (OSError, ValueError):  # stderr closed or gone: the exit code still says it
        pass
    raise SystemExit(128 + signum) from None
