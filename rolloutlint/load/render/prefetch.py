"""Kustomize builds started while the repository's files are still loading.

Which units exist is known only once every Application is loaded, but the kustomization roots that nothing
includes are known from the directory walk alone, and most of them are units (standalone, or deployed by an
Application without `kustomize:` options, whose build is the same). Their builds are kustomize processes that
wait on nothing in this process, so a background thread runs them while the files load; `render_project` then
finds their output in the render cache (or, with the cache off, in its memory) and waits for the thread before
it renders anything else. A build that later turns out not to be needed only cost an idle core.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import Any

from rolloutlint.load.render import cache as render_cache


Output = Callable[[Any, Any, Any, render_cache.Cache], Any]  # `build._engine_output`: (unit, source, engines, store)


class Prefetch:
    """A background thread building the kustomization roots under `root` into `store`, `workers` at a time."""

    def __init__(self, root: Path, kustomize: str, helm: str, store: render_cache.Cache, exclude: tuple[str, ...],
                 need: tuple[str, ...], output: Output, workers: int) -> None:
        self.store = store
        self.engines: Any = None
        self._args = (root, kustomize, helm, exclude, need)
        self._output = output
        self._workers = workers
        self._thread = threading.Thread(target=self._run, name="rolloutlint-prefetch", daemon=True)

    def start(self) -> Prefetch:
        self._thread.start()
        return self

    def wait(self) -> Any:
        """The engines it found (None if it failed early); every build it started is done."""
        self._thread.join()
        return self.engines

    def _run(self) -> None:
        from concurrent.futures import ThreadPoolExecutor

        from rolloutlint.load.render.engines import find_engines
        from rolloutlint.load.render.units import standalone_units

        root, kustomize, helm, exclude, need = self._args
        try:
            self.engines = find_engines(kustomize, helm, need)
            if self.engines.kustomize is None:
                return
            jobs = [(unit, source) for unit in standalone_units(root, [], [], exclude) for source in unit.sources
                    if source.tool == "kustomize"]

            def build(item: Any) -> None:
                with suppress(Exception):  # the render runs it again and reports what failed
                    self._output(item[0], item[1], self.engines, self.store)

            with ThreadPoolExecutor(max_workers=self._workers) as pool:
                list(pool.map(build, jobs))
        except Exception:  # noqa: BLE001 - only a head start: the render does all of it again if need be
            return


def start(root: Path, settings: Any, exclude: tuple[str, ...], markers: list[Path], output: Output,
          workers: int) -> Prefetch:
    """Builds of the kustomization roots, for a walk that passed a kustomization (`markers`: the kustomization
    and Chart.yaml files it passed). `settings`: `build.RenderSettings`."""
    need = ("kustomize", "helm") if any(m.name == "Chart.yaml" for m in markers) else ("kustomize",)
    # Its own counters (the summary's cache hits are the render's), the builds it makes kept in memory too.
    store = render_cache.Cache((settings.cache_dir or render_cache.default_dir()) if settings.cache else None, memory={})
    return Prefetch(root, settings.kustomize, settings.helm, store, exclude, need, output, workers).start()
