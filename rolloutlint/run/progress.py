"""A progress line on the terminal for long runs: files loaded, units rendered, rules run.

Shown only when stderr is a terminal, not in CI (``CI`` set) nor with ``TERM=dumb``, and only once a run
has taken ~1 s; redrawn at most ten times a second; erased when the run is done, before any output, so
it never appears in logs, pipes or the findings. The pipeline reports steps through `tick`, which costs
a clock read when the line is off and is a no-op until the CLI calls `start`. Rules never call it.
"""

from __future__ import annotations

import os
import time

DELAY = 1.0  # seconds before the line first appears: short runs stay silent
INTERVAL = 0.1  # seconds between redraws


class Progress:
    def __init__(self) -> None:
        self.fd: int | None = None  # a copy of the terminal's stderr (loading silences fd 2 itself)
        self.started = 0.0
        self.last = 0.0
        self.shown = False

    def start(self) -> None:
        if self.fd is not None or not wanted():
            return
        try:
            self.fd = os.dup(2)
        except OSError:
            return
        self.started = time.monotonic()
        self.last = 0.0

    def tick(self, what: str, done: int, total: int | None = None) -> None:
        """`done` of `total` steps of `what` ("files loaded", "rules run") are finished."""
        if self.fd is None:
            return
        now = time.monotonic()
        if now - self.started < DELAY or now - self.last < INTERVAL:
            return
        self.last = now
        count = f"{done}/{total}" if total else str(done)
        self._write(f"\r\x1b[Krolloutlint: {what} {count} ({now - self.started:.0f} s)")
        self.shown = True

    def finish(self) -> None:
        """Erase the line (if it was ever drawn) and stop."""
        if self.fd is None:
            return
        if self.shown:
            self._write("\r\x1b[K")
        try:
            os.close(self.fd)
        except OSError:
            pass
        self.fd, self.shown = None, False

    def _write(self, text: str) -> None:
        try:
            os.write(self.fd, text.encode("utf-8", "replace"))  # type: ignore[arg-type]
        except OSError:
            self.fd = None  # the terminal went away: stay quiet


def wanted(environ: dict[str, str] | None = None, isatty: bool | None = None) -> bool:
    """A human is watching stderr: a terminal, outside CI, not a dumb terminal."""
    env = os.environ if environ is None else environ
    if env.get("CI") or env.get("GITHUB_ACTIONS") or env.get("TERM") == "dumb":
        return False
    if isatty is None:
        try:
            isatty = os.isatty(2)
        except OSError:
            isatty = False
    return isatty


current = Progress()  # the run's line; off until the CLI starts it
