"""Watching the corpus: each settled burst of file changes triggers one incremental update."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

from verbatim.config import Settings
from verbatim.index import indexer
from verbatim.ingest.files import check_corpus, passed_over

# watchfiles gathers changes until none came for STEP_MS (at most DEBOUNCE_MS), so saving a file
# in several writes, or copying a folder, is one update rather than many.
DEBOUNCE_MS = 1600
STEP_MS = 300
# With no change, the watch says it is set up after this long (see corpus_changes), and again
# after each such quiet spell (the sets it then yields are empty and dropped).
QUIET_MS = 200


def corpus_changes(
    corpus: Path,
    index: Path,
    stop: threading.Event | None = None,
    debounce_ms: int = DEBOUNCE_MS,
    step_ms: int = STEP_MS,
) -> Iterator[set[Path]]:
    """Yield the paths that changed each time the corpus settles after changes, until ``stop``
    is set (or ctrl+c). What the index passes over (:func:`passed_over`) and the index's own
    files are ignored.

    The first set comes once the watch is set up, empty if nothing changed: a change made
    while the operating system's watch was being set up is not seen by it, so a caller that
    looks at the whole corpus at each set misses nothing."""
    from watchfiles import watch

    check_corpus(corpus)  # a missing corpus is a clear error, not a watch on nothing
    corpus, index = corpus.absolute(), index.resolve()

    def wanted(_change: object, path: str) -> bool:
        changed = Path(path)
        resolved = changed.resolve()
        if resolved == index or index in resolved.parents:
            return False
        try:
            return passed_over(changed.relative_to(corpus)) is None
        except ValueError:  # not under the corpus as named: judged by its name alone
            return passed_over(Path(changed.name)) is None

    set_up = False
    for changes in watch(
        corpus,
        watch_filter=wanted,
        debounce=debounce_ms,
        step=step_ms,
        stop_event=stop,
        rust_timeout=QUIET_MS,
        yield_on_timeout=True,
        raise_interrupt=False,
    ):
        if changes or not set_up:
            yield {Path(path) for _, path in changes}
        set_up = True


def update_beside(settings: Settings, progress: indexer.Progress | None = None) -> indexer.Report:
    """Update the index through an index handle of its own, so an assistant answering questions
    meanwhile keeps reading the generation it has open; it sees the update once it reopens."""
    from verbatim.assistant import Assistant

    assistant = Assistant(settings)
    try:
        return assistant.update_index(progress=progress)
    finally:
        assistant.close()
