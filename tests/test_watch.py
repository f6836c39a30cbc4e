"""Watching the corpus: files added, changed and removed show in the answers within seconds."""

from __future__ import annotations

import threading
import time

from verbatim.assistant import Assistant
from verbatim.config import Settings
from verbatim.watch import corpus_changes, update_beside

# Bounds a wait for the watcher so that a broken watcher fails the test instead of hanging it;
# no speed is asserted.
PATIENCE_SECONDS = 120


class Watcher:
    """The watch loop of `verbatim index --watch` in a thread, counting its updates."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.stop = threading.Event()
        self.updated = threading.Semaphore(0)
        self.thread = threading.Thread(target=self._run)

    def _run(self) -> None:
        for _ in corpus_changes(self.settings.corpus, self.settings.index, self.stop):
            update_beside(self.settings)
            self.updated.release()

    def start(self) -> None:
        """Start watching; return once the watch is set up and has had its first look."""
        self.thread.start()
        assert self.updated.acquire(timeout=PATIENCE_SECONDS), "the watch was never set up"

    def answer_once_settled(self, assistant: Assistant, question: str, *expected: str) -> str:
        """The best answer after each update, until it is one of ``expected`` or patience runs
        out (a burst of writes may come as more than one update)."""
        deadline = time.monotonic() + PATIENCE_SECONDS
        while True:
            assistant.close()  # reopen the updated index, as the chat app does
            answer = best(assistant, question)
            if answer in expected or not self.updated.acquire(
                timeout=max(deadline - time.monotonic(), 0)
            ):
                return answer


def best(assistant: Assistant, question: str) -> str:
    reply = assistant.ask(question)
    return "" if reply.abstained else reply.answers[0].text


def test_added_changed_and_removed_files_change_the_answers(
    assistant: Assistant, write_files, settings: Settings
) -> None:
    write_files({"canteen.txt": "The canteen opens at noon.\n"})
    assistant.update_index()
    question = "When does the museum open?"
    assert "museum" not in best(assistant, question)
    watcher = Watcher(settings)
    try:
        watcher.start()
        write_files({"museum.md": "# Museum\n\nThe museum opens at nine in the morning.\n"})
        expected = "The museum opens at nine in the morning."
        assert watcher.answer_once_settled(assistant, question, expected) == expected

        write_files({"museum.md": "# Museum\n\nThe museum opens at ten on Sundays.\n"})
        expected = "The museum opens at ten on Sundays."
        assert watcher.answer_once_settled(assistant, question, expected) == expected

        (settings.corpus / "museum.md").unlink()
        canteen = "The canteen opens at noon."
        assert watcher.answer_once_settled(assistant, question, canteen, "") in (canteen, "")
        assert assistant.index.store.counts()[0] == 1
    finally:
        watcher.stop.set()
        watcher.thread.join()


def test_a_change_made_while_the_watch_is_set_up_is_caught(
    assistant: Assistant, write_files, settings: Settings
) -> None:
    """The operating system's watch sees only what changes once it is set up; so the first
    set comes as soon as it is, empty, and a look at the corpus then finds what came before."""
    write_files({"canteen.txt": "The canteen opens at noon.\n"})
    assistant.update_index()
    stop = threading.Event()
    changes = corpus_changes(settings.corpus, settings.index, stop)  # not set up until iterated
    write_files({"museum.md": "# Museum\n\nThe museum opens at nine.\n"})
    first: list[set] = []
    waiting = threading.Thread(target=lambda: first.append(next(changes)))
    waiting.start()
    waiting.join(PATIENCE_SECONDS)
    stop.set()
    assert first == [set()], "no word from the watch although it was set up"
    assert update_beside(settings).added == ["museum.md"]
    waiting.join()


def test_the_watch_passes_over_what_the_index_passes_over(write_files, settings: Settings) -> None:
    """Hidden files, files in hidden folders and editors' leftovers never trigger an update."""
    (settings.corpus / ".git").mkdir()  # there before the watch, so it is watched
    stop = threading.Event()
    changes = corpus_changes(settings.corpus, settings.index, stop)
    seen: list[set] = []

    def watch() -> None:
        for paths in changes:
            seen.append(paths)
            if not seen[1:]:  # set up: now write, the passed-over files first
                write_files({".notes.md": "x", "#draft.md": "x", ".git/HEAD.txt": "x"})
                write_files({"notes.md~": "x", "museum.md": "The museum opens at nine.\n"})
            if any(path.name == "museum.md" for path in paths):
                return

    waiting = threading.Thread(target=watch)
    waiting.start()
    waiting.join(PATIENCE_SECONDS)
    stop.set()
    waiting.join()
    assert {path.name for paths in seen for path in paths} == {"museum.md"}
