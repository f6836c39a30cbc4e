"""The chat app: a thin Textual shell over :class:`verbatim.Assistant`."""

from __future__ import annotations

import gc
import os
import shlex
import subprocess
import threading
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Input

from verbatim.allocator import warm_for_many_questions
from verbatim.assistant import Assistant
from verbatim.config import Settings, packaged_model_path
from verbatim.errors import (
    IndexBusyError,
    IndexDamagedError,
    ModelError,
    RebuildRequiredError,
    VerbatimError,
)
from verbatim.tui.screens.help import HelpScreen
from verbatim.tui.text import citation
from verbatim.tui.widgets.answer_card import AnswerCard
from verbatim.tui.widgets.chat_input import ChatInput
from verbatim.tui.widgets.source_pane import SourcePane
from verbatim.tui.widgets.status_bar import StatusBar
from verbatim.tui.widgets.transcript import NOT_FOUND, Exchange, Transcript
from verbatim.types import Reply

# Without a watch on the corpus, a look at its file sizes and times this often (163 ms for 3,660
# files, holding questions back meanwhile); with one, changes are seen as they happen.
FRESHNESS_CHECK_SECONDS = 3.0
# A question appears with "Searching…" only when its answers take longer than this; otherwise
# question and answers appear together, and drawing the question does not slow the search.
SEARCHING_AFTER_SECONDS = 0.15
# Garbage is collected this long after a reply, once its answers are drawn (while the user reads).
GARBAGE_AFTER_SECONDS = 0.5
# A question is answered ahead once typing pauses this long (a fast typist's keys come ~0.12 s
# apart), so that enter, when it follows, shows answers already found.
FORESEE_AFTER_SECONDS = 0.1
# A question that appears whole, pasted or recalled with up/down, is answered sooner: enter
# follows it a keystroke later (~0.2 s). The short wait lets a burst of up/down keys settle.
FORESEE_WHOLE_AFTER_SECONDS = 0.05


class VerbatimApp(App[None]):
    """Ask questions; read answers quoted from your documents, with their sources."""

    TITLE = "Verbatim"
    CSS_PATH = "app.tcss"
    # Below this width the source pane would squeeze the answers: it shows once one is selected.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    BINDINGS = [
        Binding("f1", "help", "Help"),
        Binding("question_mark", "help", "Help", show=False),
        Binding("escape", "focus_answers", "Answers"),
        Binding("slash,i", "focus_input", "Ask", show=False),
        Binding("ctrl+s", "export", "Export"),
        Binding("ctrl+l", "clear", "New chat"),
        Binding("ctrl+r", "reindex", "Re-index"),
        Binding("ctrl+q", "quit", "Quit"),
    ]

    def __init__(self, settings: Settings) -> None:
        super().__init__()
        self.settings = settings
        self.assistant = Assistant(settings)
        self.conversation = self.assistant.conversation()
        self.ready = threading.Event()  # the index is open and the model loaded
        self._lock = threading.Lock()  # one thread at a time uses the assistant
        self._rebuild_next = False
        self._problem: str | None = None  # why the index is not usable, while it is not
        self._writing = threading.Lock()  # one index update at a time (ctrl+r or the watcher)
        self._stop_watching = threading.Event()
        self._watching = False  # the corpus watch is running
        self._took_off_screen = False  # exchanges left the screen since garbage was collected
        self._foresight: Timer | None = None  # answers the question box's text when it fires
        self._typed = ""  # the question box's text, as of its last change

    def compose(self) -> ComposeResult:
        with Horizontal(id="main"):
            yield Transcript(id="transcript")
            yield SourcePane(id="source")
        yield ChatInput()
        yield StatusBar(id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(ChatInput).focus()
        self.prepare()
        self.set_interval(FRESHNESS_CHECK_SECONDS, self._check_unless_watching)
        # A plain thread, not a Textual worker: it never completes, and waiting for workers to
        # complete (as tests do to let the app settle) must not wait for it.
        threading.Thread(target=self.watch_corpus, name="verbatim-watch", daemon=True).start()

    def on_unmount(self) -> None:
        self._stop_watching.set()
        self.assistant.close()

    # -- background work -------------------------------------------------------------------
    def _progress(self, stage: str, done: int, total: int) -> None:
        self.call_from_thread(self.query_one(StatusBar).show_progress, stage, done, total)

    @work(thread=True, exclusive=True, group="index")
    def prepare(self, rebuild: bool = False, asked: bool = False) -> None:
        """Build or update the index and load the model, while the user can already type;
        ``asked`` (ctrl+r) says when another process holds the index, instead of waiting."""
        status_bar = self.query_one(StatusBar)
        try:
            with self._lock, self._writing:
                if rebuild or asked:
                    self.assistant.update_index(rebuild=rebuild, progress=self._progress)
                else:
                    self.assistant.ensure_index(progress=self._progress)
                self.call_from_thread(status_bar.show_message, "Loading the model…")
                warm_for_many_questions(self.assistant)
                status = self.assistant.status()
            self._rebuild_next, self._problem = False, None
            self.call_from_thread(status_bar.show_status, status, self._model_name())
        except IndexBusyError as error:  # questions go on, answered from the current index
            self.call_from_thread(status_bar.show_message, str(error))
            self.call_from_thread(self.notify, str(error), severity="warning", timeout=10)
        except VerbatimError as error:
            self._rebuild_next = isinstance(error, IndexDamagedError | RebuildRequiredError)
            hint = "press ctrl+r to rebuild it" if self._rebuild_next else "then press ctrl+r"
            self._problem = f"{error} ({hint})"
            self.call_from_thread(status_bar.show_message, f"Not ready: {self._problem}")
            self.call_from_thread(self.notify, self._problem, severity="error", timeout=15)
        finally:
            self.call_from_thread(status_bar.done)
            self.ready.set()

    def _check_unless_watching(self) -> None:
        if not self._watching:
            self.check_freshness()

    @work(thread=True, exclusive=True, group="freshness")
    def check_freshness(self) -> None:
        """Tell the status bar when files changed on disk since the last index."""
        if not self.ready.is_set() or self._problem is not None:
            return
        if not self._lock.acquire(blocking=False):
            return  # busy answering or indexing: look again next time
        try:
            status = self.assistant.status()
        except VerbatimError:
            return  # the next question or ctrl+r reports it with its fix
        finally:
            self._lock.release()
        self.call_from_thread(self.query_one(StatusBar).show_status, status, self._model_name())

    def watch_corpus(self) -> None:
        """Update the index within seconds of files being added, changed or removed. Questions
        are answered from the index as it was until the update is in: only reopening it waits
        for the question being answered."""
        from verbatim.watch import corpus_changes, update_beside

        while not self.ready.wait(0.2):
            if self._stop_watching.is_set():
                return
        try:
            for paths in corpus_changes(
                self.settings.corpus, self.settings.index, self._stop_watching
            ):
                self._watching = True  # set up: changes from now on are seen
                if self._problem is not None:
                    continue  # the index needs ctrl+r first; the status bar says so
                # The watch was just set up: did anything change meanwhile? (Without the
                # assistant's lock: a look at a large corpus must not hold questions back.)
                if not paths and not self.assistant.status().is_stale:
                    continue
                with self._writing:
                    try:
                        report = update_beside(self.settings)
                    except IndexBusyError:
                        continue  # another `verbatim index` is at it; the status bar shows stale
                changed = report.changes
                with self._lock:
                    if changed:
                        self.assistant.close()  # the next question opens the updated index
                    status = self.assistant.status()
                if self._stop_watching.is_set():
                    return  # the app is closing: nothing left to show
                self.call_from_thread(
                    self.query_one(StatusBar).show_status, status, self._model_name()
                )
                if changed:
                    self.call_from_thread(self.notify, f"Index updated: {changed} file(s)")
        except (VerbatimError, OSError, RuntimeError) as error:
            if not self._stop_watching.is_set():
                self.call_from_thread(self.notify, f"Not watching the corpus: {error}")
        finally:
            self._watching = False

    @work(thread=True, group="ask")
    def answer(self, exchange: Exchange) -> None:
        # call_from_thread runs coroutine functions too; mypy cannot solve its type variable
        # for one that returns None, hence the ignores
        self.ready.wait()
        if self._problem is not None:
            self.call_from_thread(self._show_error, exchange, self._problem)  # type: ignore[arg-type]
            return
        try:
            with self._lock:
                reply = self.conversation.ask(exchange.question)
        except VerbatimError as error:
            self.call_from_thread(self._show_error, exchange, str(error))  # type: ignore[arg-type]
            self.call_from_thread(self.notify, str(error), severity="error")
            return
        self.call_from_thread(self._show_reply, exchange, reply)  # type: ignore[arg-type]

    @work(thread=True, exclusive=True, group="foresee")
    def foresee(self, question: str) -> None:
        """Answer the question being typed, so that enter shows its answers at once."""
        if not self.ready.is_set() or self._problem is not None:
            return
        if not self._lock.acquire(blocking=False):
            return  # answering or indexing: enter asks as usual
        try:
            self.conversation.foresee(question)
        except VerbatimError:
            pass  # enter asks it and reports the error
        finally:
            self._lock.release()

    def _foreseen_reply(self, question: str) -> Reply | None:
        """The reply to ``question`` found while it was typed, if it still holds: taken here,
        on the UI thread, only when no other thread uses the assistant (it costs a stat and
        one row read), so that nothing waits for a worker."""
        if not self.ready.is_set() or not self._lock.acquire(blocking=False):
            return None
        try:
            return self.conversation.ask(question) if self.conversation.foreseen(question) else None
        finally:
            self._lock.release()

    async def _show_reply(self, exchange: Exchange, reply: Reply) -> None:
        """Show the reply, scrolled so that its question and first answer are in view."""
        exchange.show_reply(reply)
        await self._add(exchange)
        self.set_timer(GARBAGE_AFTER_SECONDS, self._set_garbage_aside)

    async def _show_error(self, exchange: Exchange, message: str) -> None:
        exchange.show_error(message)
        await self._add(exchange)

    async def _show_searching(self, exchange: Exchange) -> None:
        if not exchange.is_attached:  # its reply has not come yet
            await self._add(exchange)

    async def _add(self, exchange: Exchange) -> None:
        if await self.query_one(Transcript).add(exchange):
            self._took_off_screen = True  # exchanges that were frozen are garbage now

    def _set_garbage_aside(self) -> None:
        """Collect garbage now (the user is reading) and freeze what survives, so that the
        collector's full passes scan only what the next question makes (a few ms), not the
        whole transcript and every loaded module (30–95 ms with every thread stopped, once a
        second while answers arrive). After exchanges were taken off the screen, what was
        frozen is collected too: a full pass of ~0.15 s, so only while the question box is
        empty (the user reads rather than types), at most once per TAKEN_OFF_AT_ONCE replies."""
        if self._took_off_screen and not self.query_one(ChatInput).value:
            gc.unfreeze()
            self._took_off_screen = False
        gc.collect()
        gc.freeze()

    def _model_name(self) -> str:
        model = self.assistant.embedder.model_path
        try:
            packaged = packaged_model_path().resolve()
        except ModelError:  # not installed: --model names the model in use
            return model.name
        return "all-MiniLM-L6-v2" if model == packaged else model.name

    # -- events ----------------------------------------------------------------------------
    @on(Input.Changed, "#question")
    def question_typed(self, event: Input.Changed) -> None:
        if self._foresight is not None:
            self._foresight.stop()
        whole = abs(len(event.value) - len(self._typed)) > 1  # not a key's worth of change
        self._typed = event.value
        question = " ".join(event.value.split())
        if question and self.ready.is_set():
            wait = FORESEE_WHOLE_AFTER_SECONDS if whole else FORESEE_AFTER_SECONDS
            self._foresight = self.set_timer(wait, lambda: self.foresee(question))

    @on(Input.Submitted, "#question")
    async def ask_question(self, event: Input.Submitted) -> None:
        question = " ".join(event.value.split())
        if not question:
            return
        if self._foresight is not None:
            self._foresight.stop()  # answered now
        box = self.query_one(ChatInput)
        box.remember(question)
        box.value = ""
        exchange = Exchange(question)
        if (reply := self._foreseen_reply(question)) is not None:
            with self.batch_update():  # drawn in the frame that clears the box
                await self._show_reply(exchange, reply)
            return
        if self.ready.is_set():  # the answer is likely faster than drawing the question first
            self.set_timer(SEARCHING_AFTER_SECONDS, lambda: self._show_searching(exchange))
        else:
            await self._show_searching(exchange)
        self.answer(exchange)

    @on(AnswerCard.Selected)
    def show_source(self, event: AnswerCard.Selected) -> None:
        try:
            excerpt = self.assistant.excerpt(event.card.answer.sources[0])
        except VerbatimError as error:
            self.notify(str(error), severity="error")
            return
        self.query_one(SourcePane).show(excerpt)

    @on(AnswerCard.CopyRequested)
    def copy_answer(self, event: AnswerCard.CopyRequested) -> None:
        self.copy_to_clipboard(citation(event.card.answer))
        self.notify("Copied the answer with its citation.")

    @on(AnswerCard.EditRequested)
    def edit_source(self, event: AnswerCard.EditRequested) -> None:
        source = event.card.answer.sources[0]
        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
        if not editor:
            self.notify("Set $EDITOR to open sources in your editor.", severity="warning")
            return
        path = self.settings.corpus / source.path
        with self.suspend():
            subprocess.run([*shlex.split(editor), f"+{source.line_start}", str(path)], check=False)

    # -- actions ---------------------------------------------------------------------------
    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_focus_input(self) -> None:
        self.query_one(ChatInput).focus()

    def action_focus_answers(self) -> None:
        for exchange in reversed(self.query_one(Transcript).shown()):
            cards = list(exchange.query(AnswerCard))
            if cards:
                cards[0].focus()
                return
        self.notify("No answers yet: ask a question first.")

    def _move(self, step: int) -> None:
        cards = self.query_one(Transcript).cards()
        if isinstance(self.focused, AnswerCard) and self.focused in cards:
            position = cards.index(self.focused) + step
            if 0 <= position < len(cards):
                cards[position].focus()

    def action_focus_next_answer(self) -> None:
        self._move(1)

    def action_focus_previous_answer(self) -> None:
        self._move(-1)

    def action_clear(self) -> None:
        gc.unfreeze()  # the exchanges about to go must be collectable
        self.query_one(Transcript).clear()
        self.query_one(SourcePane).reset()
        self.conversation.clear()
        self.query_one(ChatInput).focus()

    def action_reindex(self) -> None:
        self.ready.clear()
        self.prepare(rebuild=self._rebuild_next, asked=True)

    def action_export(self) -> None:
        path = Path.cwd() / f"verbatim-session-{datetime.now():%Y%m%d-%H%M%S}.md"
        try:
            path.write_text(self.session_markdown(), encoding="utf-8")
        except OSError as error:
            self.notify(f"Cannot write {path}: {error.strerror}", severity="error")
            return
        self.notify(f"Exported the session to {path}")

    def session_markdown(self) -> str:
        """The conversation so far, as Markdown with a citation under every answer."""
        parts = ["# Verbatim session\n", f"Corpus: `{self.settings.corpus}`\n"]
        for question, reply in self.query_one(Transcript).session():
            parts.append(f"## {question}\n")
            if reply is None:
                continue
            if reply.abstained:
                parts.append(f"_{NOT_FOUND}_\n")
            for answer in reply.answers:
                parts.append(f"> {answer.text}\n")
                for source in answer.sources:
                    parts.append(f"- `{source.path}` › {source.section} › {source.lines}")
                parts.append("")
        return "\n".join(parts) + "\n"

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Help", "Every key and what it does", self.action_help)
        yield SystemCommand(
            "Focus answers", "Move to the latest answers", self.action_focus_answers
        )
        yield SystemCommand("Next answer", "Move to the next answer", self.action_focus_next_answer)
        yield SystemCommand(
            "Previous answer", "Move to the previous answer", self.action_focus_previous_answer
        )
        yield SystemCommand("Copy answer", "Copy the focused answer with its citation", self._copy)
        yield SystemCommand("Export session", "Save the chat as Markdown", self.action_export)
        yield SystemCommand(
            "New chat", "Clear the chat and start a new conversation", self.action_clear
        )
        yield SystemCommand(
            "Re-index", "Bring the index in step with the corpus", self.action_reindex
        )

    def _copy(self) -> None:
        if isinstance(self.focused, AnswerCard):
            self.focused.action_copy()
        else:
            self.notify("Focus an answer first (escape).", severity="warning")


def run(settings: Settings) -> None:
    VerbatimApp(settings).run()
