"""The chat app, driven by Textual's Pilot with the real model and index."""

from __future__ import annotations

import contextlib
import gc
import time
import weakref
from pathlib import Path

import pytest
from textual import events
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Static
from textual.worker import WorkerCancelled

from verbatim.assistant import Assistant
from verbatim.config import Settings
from verbatim.tui import app as app_module
from verbatim.tui.app import (
    FORESEE_AFTER_SECONDS,
    FORESEE_WHOLE_AFTER_SECONDS,
    GARBAGE_AFTER_SECONDS,
    VerbatimApp,
)
from verbatim.tui.screens.help import HelpScreen
from verbatim.tui.widgets import transcript as transcript_module
from verbatim.tui.widgets.answer_card import AnswerCard
from verbatim.tui.widgets.chat_input import ChatInput
from verbatim.tui.widgets.source_pane import SourcePane
from verbatim.tui.widgets.status_bar import StatusBar
from verbatim.tui.widgets.transcript import Exchange, Transcript
from verbatim.types import Reply

from .conftest import REPO, record_searches

SIZE = (120, 40)
NARROW = (80, 24)


@pytest.fixture
def bundled_settings(bundled: Assistant, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The bundled corpus under a relative path (as a user starts it), with its built index."""
    monkeypatch.chdir(REPO)
    return Settings(Path("corpus"), bundled.settings.index, bundled.settings.model)


async def settle(pilot: Pilot) -> None:
    """Wait until no worker of the app runs. A worker that a newer one of its exclusive group
    cancelled (a freshness check the app's timer started again) ended as designed; one that
    failed fails the test."""
    while True:
        for worker in list(pilot.app.workers):
            with contextlib.suppress(WorkerCancelled):
                await worker.wait()
        if all(worker.is_finished for worker in pilot.app.workers):  # none started meanwhile
            break
    await pilot.pause()


async def ask(pilot: Pilot, question: str) -> None:
    await settle(pilot)
    pilot.app.query_one(ChatInput).value = question
    await pilot.press("enter")
    await settle(pilot)
    await scrolled(pilot)


async def scrolled(pilot: Pilot) -> None:
    """Wait until the transcript has scrolled the reply into view (after a layout refresh)."""
    transcript, positions = pilot.app.query_one(Transcript), []
    await pilot.wait_for_scheduled_animations()
    # Still over several refreshes: a busy machine can hold back the refresh that scrolls.
    while len(positions) < 6 or len(set(positions[-6:])) > 1:
        await pilot.pause(0.05)
        positions.append(transcript.scroll_y)
        assert len(positions) < 200, "the transcript kept scrolling"


def text_of(widget: Static) -> str:
    return str(widget.render())


def status_text(app: VerbatimApp) -> str:
    return text_of(app.query_one("#status-text", Static))


async def test_ask_and_read_the_answer_in_its_source(bundled_settings: Settings) -> None:
    app = VerbatimApp(bundled_settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "3 documents" in status_text(app) and "index fresh" in status_text(app)
        await ask(pilot, "Which IRGC brigadier general was killed by an ISIL sniper in Samarra?")
        cards = app.query(AnswerCard)
        assert len(cards) == 3
        assert "Hamid Taqavi" in cards.first().answer.text
        await pilot.press("escape")
        assert app.focused is cards.first()
        await pilot.pause()
        title = text_of(app.query_one("#source-title", Static))
        source = cards.first().answer.sources[0]
        assert title.startswith(source.path) and f"{source.line_start}" in title
        assert "Taqavi" in text_of(app.query_one("#source-answer", Static))
        await pilot.press("j")
        assert app.focused is cards[1]


async def test_the_span_that_answers_is_underlined_in_the_card(
    bundled_settings: Settings,
) -> None:
    app = VerbatimApp(bundled_settings)
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, "Which IRGC brigadier general was killed by an ISIL sniper in Samarra?")
        card = app.query(AnswerCard).first()
        rendered = card.render()  # the card's content, with the style of each span
        assert card.answer.highlight is not None
        underlined = [
            rendered.plain[span.start : span.end]
            for span in getattr(rendered, "spans", ())
            if getattr(span.style, "underline", False)
        ]
        start, end = card.answer.highlight
        assert underlined == [card.answer.text[start:end]]
        assert "Taqavi" in underlined[0]


async def test_a_follow_up_question_uses_the_conversation(bundled_settings: Settings) -> None:
    app = VerbatimApp(bundled_settings)
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, "Who was the commander of Iran's Quds Force during the intervention?")
        assert not app.query(Exchange).last().query(".about")  # a first question stands alone
        await ask(pilot, "When was he assassinated?")
        latest = app.query(Exchange).last()
        assert "assassination" in latest.query(AnswerCard).first().answer.text
        # what the follow-up was understood as, shown on it
        assert text_of(latest.query_one(".about", Static)) == "about: Qasem Soleimani"
        await pilot.press("ctrl+l")  # a new conversation: "he" refers to no one now
        await ask(pilot, "When was he assassinated?")
        assert not app.query(Exchange).last().query(".about")


async def test_a_question_is_answered_while_typing_pauses_and_shown_on_enter(
    bundled_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = VerbatimApp(bundled_settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        searched = record_searches(app.assistant, monkeypatch)
        app.query_one(ChatInput).value = "Which Iranian general was killed in Samarra?"
        await pilot.pause(FORESEE_AFTER_SECONDS + 0.1)
        await settle(pilot)
        assert searched == ["Which Iranian general was killed in Samarra?"]
        workers: list[Exchange] = []  # questions handed to a worker to answer
        monkeypatch.setattr(app, "answer", workers.append)
        await pilot.press("enter")
        # shown as enter is handled, in the same frame, with no worker to wait for
        assert workers == [] and app.query(Exchange).last().reply is not None
        await settle(pilot)
        await scrolled(pilot)
        assert len(searched) == 1  # enter showed the reply found while the user paused
        assert "Taqavi" in app.query(AnswerCard).first().answer.text


async def test_a_question_that_appears_whole_is_answered_sooner_than_one_being_typed(
    bundled_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = VerbatimApp(bundled_settings)
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, "Who is Hadi al-Amiri?")
        waits: list[float] = []  # how long the app waits before answering the box's text
        set_timer = app.set_timer
        monkeypatch.setattr(
            app,
            "set_timer",
            lambda delay, *a, **kw: waits.append(delay) or set_timer(delay, *a, **kw),
        )
        await pilot.press("up")  # the earlier question, recalled whole
        await pilot.press("question_mark")  # typed on
        await pilot.press("ctrl+u")  # cleared
        await pilot.press("W", "h", "o")
        app.query_one(ChatInput).post_message(events.Paste(" commanded the Quds Force?"))
        await settle(pilot)
        whole, typed = FORESEE_WHOLE_AFTER_SECONDS, FORESEE_AFTER_SECONDS
        assert waits == [whole, typed, typed, typed, typed, whole]


async def test_an_abstention_is_said_plainly(bundled_settings: Settings) -> None:
    app = VerbatimApp(bundled_settings)
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, "What is the capital of Australia?")
        assert app.query_one(".not-found", Static).render().plain == "Not found in your documents."
        assert all(card.has_class("nearest") for card in app.query(AnswerCard))


async def test_input_history_and_clear(bundled_settings: Settings) -> None:
    app = VerbatimApp(bundled_settings)
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, "Who is Hadi al-Amiri?")
        box = app.query_one(ChatInput)
        assert box.value == ""
        await pilot.press("up")
        assert box.value == "Who is Hadi al-Amiri?"
        await pilot.press("down")
        assert box.value == ""
        # Once the user has read a while, the transcript is frozen out of full garbage
        # collections, until it is cleared.
        await pilot.pause(GARBAGE_AFTER_SECONDS + 0.1)
        assert gc.get_freeze_count() > 0
        await pilot.press("ctrl+l")
        assert not app.query(Exchange) and app.conversation.turns == []
        assert gc.get_freeze_count() == 0


async def test_a_reply_is_scrolled_to_its_question_and_first_answer(
    bundled_settings: Settings,
) -> None:
    app = VerbatimApp(bundled_settings)
    async with app.run_test(size=SIZE) as pilot:
        for question in (
            "Who is Hadi al-Amiri?",
            "Which town did hundreds of Iranian soldiers help the Peshmerga retake?",
            "How much did Iran spend on military aid to Iraq?",
        ):
            await ask(pilot, question)
            transcript = app.query_one(Transcript)
            latest = transcript.query(Exchange).last()
            assert transcript.region.contains_region(latest.query_one(".question").region)
            assert transcript.region.contains_region(latest.query(AnswerCard).first().region)


async def test_a_slow_reply_shown_first_as_searching_is_scrolled_into_view(
    bundled_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A question whose answers take a while shows "Searching…" first; when they come, they
    are brought into view below it, not left under the bottom edge."""
    app = VerbatimApp(bundled_settings)
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, "Who is Hadi al-Amiri?")
        await ask(pilot, "How much did Iran spend on military aid to Iraq?")
        monkeypatch.setattr(app_module, "SEARCHING_AFTER_SECONDS", 0.01)
        answer = app.conversation.ask

        def slowly(question: str) -> Reply:
            time.sleep(0.5)  # long enough for "Searching…" to be drawn first
            return answer(question)

        monkeypatch.setattr(app.conversation, "ask", slowly)
        app.query_one(ChatInput).value = "Who commands the Quds Force?"
        await pilot.press("enter")
        await pilot.pause(0.3)
        latest = app.query_one(Transcript).query(Exchange).last()
        assert latest.query(".pending") and not latest.query(AnswerCard)
        await settle(pilot)
        await scrolled(pilot)
        transcript = app.query_one(Transcript)
        assert transcript.region.contains_region(latest.query_one(".question").region)
        assert transcript.region.contains_region(latest.query(AnswerCard).first().region)


async def test_a_scrolled_view_stays_where_the_user_took_it(bundled_settings: Settings) -> None:
    app = VerbatimApp(bundled_settings)
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, "Who is Hadi al-Amiri?")
        await ask(pilot, "How much did Iran spend on military aid to Iraq?")
        transcript = app.query_one(Transcript)
        assert transcript.scroll_y > 0
        transcript.scroll_home(animate=False)
        await pilot.pause()
        transcript.refresh(layout=True)  # as a resize or a status change would
        await scrolled(pilot)
        assert transcript.scroll_y == 0


async def test_old_exchanges_leave_the_screen_but_not_the_session(
    bundled_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(transcript_module, "SHOWN_AT_MOST", 2)
    monkeypatch.setattr(transcript_module, "TAKEN_OFF_AT_ONCE", 1)
    questions = [
        "Who is Hadi al-Amiri?",
        "How much did Iran spend on military aid to Iraq?",
        "Who commands the Quds Force?",
        "Which Hezbollah technical specialist was killed near Mosul?",
    ]
    app = VerbatimApp(bundled_settings)
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, questions[0])
        first_cards = [weakref.ref(card) for card in app.query(AnswerCard)]
        for question in questions[1:]:
            await ask(pilot, question)
        transcript = app.query_one(Transcript)
        assert [e.question for e in transcript.shown()] == questions[2:]
        assert "2 earlier exchanges" in text_of(transcript.query_one(".taken-off", Static))
        exported = app.session_markdown()
        assert all(f"## {question}" in exported for question in questions)
        assert "Badr Organization" in exported  # the first reply, though off the screen
        await pilot.pause(GARBAGE_AFTER_SECONDS + 0.5)
        assert all(card() is None for card in first_cards)  # its widgets were freed
        await pilot.press("ctrl+l")
        assert transcript.session() == []
        assert not transcript.query_one(".taken-off").display


async def test_typing_repaints_the_box_without_laying_out_the_screen(
    bundled_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A key press costs a repaint of the box, not a layout of every answer on screen."""
    app = VerbatimApp(bundled_settings)
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, "Who is Hadi al-Amiri?")
        layouts: list[Widget] = []
        refresh = Widget.refresh

        def recording(widget: Widget, *regions, layout: bool = False, **options) -> Widget:
            if layout:
                layouts.append(widget)
            return refresh(widget, *regions, layout=layout, **options)

        monkeypatch.setattr(Widget, "refresh", recording)
        await pilot.press("W", "h", "o", "backspace", "space")
        assert app.query_one(ChatInput).value == "Wh "
        assert layouts == []


async def test_export_writes_markdown_with_citations(
    bundled_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = VerbatimApp(bundled_settings)
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, "How much did Iran spend on military aid to Iraq?")
        monkeypatch.chdir(tmp_path)
        await pilot.press("ctrl+s")
        (export,) = tmp_path.glob("verbatim-session-*.md")
        text = export.read_text()
        assert "## How much did Iran spend on military aid to Iraq?" in text
        assert "$1 billion" in text
        assert "- `iranian-intervention-in-iraq." in text and "› line" in text


async def test_help_screen_opens_and_closes(bundled_settings: Settings) -> None:
    app = VerbatimApp(bundled_settings)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_reindex_while_running(settings: Settings, write_files) -> None:
    write_files({"cats.md": "# Cats\n\nThe domestic cat was domesticated around 7500 BC.\n"})
    app = VerbatimApp(settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "1 documents" in status_text(app)
        write_files({"moon.md": "# Moon\n\nThe Moon is about 384,400 km from Earth.\n"})
        app.check_freshness()
        await settle(pilot)
        assert "1 file(s) changed since indexing" in status_text(app)
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert "2 documents" in status_text(app) and "index fresh" in status_text(app)
        assert not app.query_one(StatusBar).has_class("busy")
        await ask(pilot, "How far away is the Moon?")
        assert "384,400 km" in app.query(AnswerCard).first().answer.text


async def test_a_file_saved_while_the_app_runs_is_indexed_by_its_watch(
    settings: Settings, write_files, slow_watch: None
) -> None:
    """Even one saved while the corpus watch was being set up, which the watch never sees."""
    write_files({"cats.md": "# Cats\n\nThe domestic cat was domesticated around 7500 BC.\n"})
    app = VerbatimApp(settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        write_files({"moon.md": "# Moon\n\nThe Moon is about 384,400 km from Earth.\n"})
        for _ in range(600):
            if "2 documents" in status_text(app):
                break
            await pilot.pause(0.1)
        assert "2 documents" in status_text(app) and "index fresh" in status_text(app)
        await ask(pilot, "How far away is the Moon?")
        assert "384,400 km" in app.query(AnswerCard).first().answer.text


async def test_markup_and_escapes_in_documents_are_shown_literally(
    settings: Settings, write_files
) -> None:
    odd = "The [bold]red[/bold] lamp glows \x1b[31mbright\x1b[0m at \u202enight."
    write_files({"odd.md": f"# Odd\n\n{odd}\n"})
    app = VerbatimApp(settings)
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, "Which lamp glows at night?")
        card = app.query(AnswerCard).first()
        shown = card.render().plain
        # Markup stays text; an escape sequence never reached the index (it is not text).
        assert "[bold]red[/bold] lamp glows bright at" in shown
        assert "\x1b" not in shown and "␛" not in shown
        assert "at night." in shown and "\u202e" not in shown  # nor the override
        await pilot.press("escape")
        await pilot.pause()
        assert "[bold]red[/bold]" in text_of(app.query_one("#source-answer", Static))


async def test_a_broken_index_is_reported_and_rebuilt(settings: Settings, write_files) -> None:
    write_files({"cats.md": "# Cats\n\nThe domestic cat was domesticated around 7500 BC.\n"})
    Assistant(settings).update_index()
    (settings.index / "manifest.json").write_text("{broken")
    app = VerbatimApp(settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.is_running
        assert "damaged" in status_text(app)
        assert any("ctrl+r" in n.message for n in app._notifications)
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert "index fresh" in status_text(app)
        await ask(pilot, "When was the cat domesticated?")
        assert "7500 BC" in app.query(AnswerCard).first().answer.text


async def test_a_missing_corpus_is_a_notification_not_a_crash(tmp_path: Path) -> None:
    settings = Settings(tmp_path / "nowhere", tmp_path / "index", Settings.resolve().model)
    app = VerbatimApp(settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.is_running and "does not exist" in status_text(app)
        await ask(pilot, "Anything?")
        assert "does not exist" in app.query_one(".not-found", Static).render().plain


# -- snapshots (fixed terminal size) -----------------------------------------------------


async def steady(pilot: Pilot) -> None:
    """Stop the cursor blinking, so a snapshot does not depend on the moment it is taken."""
    pilot.app.query_one(ChatInput).cursor_blink = False
    await settle(pilot)


def test_snapshot_answers(bundled_settings: Settings, snap_compare) -> None:
    async def run_before(pilot: Pilot) -> None:
        await steady(pilot)
        await ask(pilot, "Which town did hundreds of Iranian soldiers help the Peshmerga retake?")

    assert snap_compare(VerbatimApp(bundled_settings), terminal_size=SIZE, run_before=run_before)


def test_snapshot_source_pane(bundled_settings: Settings, snap_compare) -> None:
    async def run_before(pilot: Pilot) -> None:
        await steady(pilot)
        await ask(pilot, "Which Hezbollah technical specialist was killed near Mosul?")
        await pilot.press("escape")
        pane = pilot.app.query_one(SourcePane)
        marked = pane.query_one("#source-answer")
        for _ in range(200):  # the pane scrolls to the answer once it has laid out
            await pilot.pause(0.02)
            target = max(marked.virtual_region.y - 6, 0)
            if target > 0 and pane.scroll_y == target:
                break
        await pilot.wait_for_scheduled_animations()  # the focused card scrolls into view
        await pilot.pause(0.1)

    assert snap_compare(VerbatimApp(bundled_settings), terminal_size=SIZE, run_before=run_before)


def test_snapshot_help(bundled_settings: Settings, snap_compare) -> None:
    async def run_before(pilot: Pilot) -> None:
        await steady(pilot)
        await pilot.press("f1")

    assert snap_compare(VerbatimApp(bundled_settings), terminal_size=SIZE, run_before=run_before)


async def follow_up(pilot: Pilot) -> None:
    await steady(pilot)
    await ask(pilot, "Which Hezbollah official dismissed the NATO-centred coalition against ISIL?")
    await ask(pilot, "How did he describe that coalition?")


@pytest.mark.parametrize("size", [NARROW, SIZE], ids=["80x24", "120x40"])
def test_snapshot_follow_up(bundled_settings: Settings, snap_compare, size) -> None:
    """A follow-up with what it was understood as; at 80×24 the cards take the whole width."""
    assert snap_compare(VerbatimApp(bundled_settings), terminal_size=size, run_before=follow_up)


async def test_a_narrow_screen_shows_the_source_pane_once_an_answer_is_selected(
    bundled_settings: Settings,
) -> None:
    app = VerbatimApp(bundled_settings)
    async with app.run_test(size=NARROW) as pilot:
        await ask(pilot, "Who is Hadi al-Amiri?")
        pane, card = app.query_one(SourcePane), app.query(AnswerCard).first()
        assert not pane.display and card.region.width > 0.8 * NARROW[0]  # ~35 beside the pane
        await pilot.press("escape")
        await pilot.pause()
        assert pane.display and "al-Amiri" in text_of(app.query_one("#source-answer", Static))
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert not pane.display
    app = VerbatimApp(bundled_settings)
    async with app.run_test(size=SIZE) as pilot:  # wide: the pane has room from the start
        await settle(pilot)
        assert app.query_one(SourcePane).display


async def test_a_model_folder_needs_no_default_model_package(
    cats_indexed: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--model DIR` with the default model package missing: the app answers and names DIR."""
    import os
    import shutil

    from verbatim import config
    from verbatim.errors import ModelError

    model = tmp_path / "my-minilm"  # the same model files, in a folder of the user's
    shutil.copytree(cats_indexed.model, model, copy_function=os.symlink)
    monkeypatch.setattr(config, "find_spec", lambda name: None)  # the package is not installed
    with pytest.raises(ModelError):
        config.packaged_model_path()
    app = VerbatimApp(Settings(cats_indexed.corpus, cats_indexed.index, model))
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, "When was the cat domesticated?")
        assert "7500 BC" in app.query(AnswerCard).first().answer.text
        assert "my-minilm" in status_text(app)
