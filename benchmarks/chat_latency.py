"""How quickly the chat app accepts input, and how quickly answers appear after enter.

Drives the real app headless (Textual's Pilot) on the bundled corpus with its index already
built, from a fresh interpreter, and prints medians over a few questions, asked a second apart
as a user would (reading the answers, typing the next question; the first one a second after
the app is ready):

    .venv/bin/python benchmarks/chat_latency.py [--corpus DIR --index DIR]

"launch → input" runs from the start of this process (imports included) until the question
box has focus; "enter → the reply" from pressing enter until the app hands the reply to its
exchange (which mounts the answer cards), and "→ answers drawn" until the app has rendered the
first screen update that shows the first answer card in the transcript's view (headless, so
without the terminal's own time to show it).

Each question is asked three times, in turn: sent at once (enter with no pause after the text
appears: the worst case, which only a script achieves), pasted (enter KEY_SECONDS after the
text appears whole, as after a paste or an up-arrow recall, by a fast typist), and typed (its
last key KEY_SECONDS after the one before, enter ENTER_SECONDS after the last key). The app
answers a question ahead when typing pauses, so the last two show answers found before enter.
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()

import argparse  # noqa: E402
import asyncio  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
from pathlib import Path  # noqa: E402

from _questions import BUNDLED  # noqa: E402
from rich.console import RenderableType  # noqa: E402
from textual.events import Key  # noqa: E402
from textual.screen import Screen  # noqa: E402

from verbatim.config import Settings  # noqa: E402
from verbatim.tui.app import VerbatimApp  # noqa: E402
from verbatim.tui.widgets.answer_card import AnswerCard  # noqa: E402
from verbatim.tui.widgets.chat_input import ChatInput  # noqa: E402
from verbatim.tui.widgets.transcript import Exchange, Transcript  # noqa: E402
from verbatim.types import Reply  # noqa: E402

QUESTIONS = BUNDLED[:5]  # questions it answers
READING_SECONDS = 1.0  # between a reply and the next question: reading it, typing the next
KEY_SECONDS = 0.12  # between keys, typing fast (100 words a minute)
ENTER_SECONDS = 0.2  # from the last key to enter: a keystroke of an average typist
MODES = ("sent at once", "pasted", "typed")


REPLIES_SHOWN: list[float] = []  # when each reply was handed to its exchange, on the UI thread
REPLIED = asyncio.Event()  # waited on, not polled: polling would compete with the app for the GIL
_show_reply = Exchange.show_reply


def _timed_show_reply(exchange: Exchange, reply: Reply) -> None:
    _show_reply(exchange, reply)
    REPLIES_SHOWN.append(time.perf_counter())
    REPLIED.set()


Exchange.show_reply = _timed_show_reply  # type: ignore[method-assign]

DRAWN = asyncio.Event()  # a screen update with the latest answers laid out has been rendered
_display = VerbatimApp._display


def _timed_display(app: VerbatimApp, screen: Screen, renderable: RenderableType | None) -> None:
    _display(app, screen, renderable)
    if REPLIED.is_set() and not DRAWN.is_set() and renderable is not None:
        exchanges = app.query(Exchange)
        cards = exchanges.last().query(AnswerCard) if exchanges else []
        # the first answer laid out (an empty region until it is) and scrolled into view
        drawn_at = cards.first().region if cards else None
        if drawn_at and app.query_one(Transcript).region.overlaps(drawn_at):
            DRAWN.set()


VerbatimApp._display = _timed_display  # type: ignore[method-assign]


async def measure(
    settings: Settings, rounds: int
) -> tuple[float, float, float, dict[str, list[float]], dict[str, list[float]]]:
    app = VerbatimApp(settings)
    async with app.run_test(size=(120, 40)) as pilot:
        while not isinstance(app.focused, ChatInput):
            await asyncio.sleep(0.005)
        to_input = time.perf_counter() - STARTED
        cpu_to_input = time.process_time()  # this process's CPU since it started: what a
        # busy, shared machine does not inflate
        await asyncio.to_thread(app.ready.wait)  # the loop must keep running for the worker
        to_ready = time.perf_counter() - STARTED
        await asyncio.sleep(READING_SECONDS)  # typing the first question
        replied: dict[str, list[float]] = {mode: [] for mode in MODES}
        shown: dict[str, list[float]] = {mode: [] for mode in MODES}
        for question in QUESTIONS * rounds:
            for mode in MODES:
                box = app.query_one(ChatInput)
                if mode == "typed":
                    box.value = question[:-1]
                    await asyncio.sleep(KEY_SECONDS)
                    box.value = question
                    await asyncio.sleep(ENTER_SECONDS)
                elif mode == "pasted":
                    box.value = question
                    await asyncio.sleep(KEY_SECONDS)
                else:
                    box.value = question
                REPLIED.clear()
                DRAWN.clear()
                pressed = time.perf_counter()
                app.post_message(Key("enter", "\r"))  # as the terminal driver does on a keypress
                await REPLIED.wait()
                replied[mode].append(REPLIES_SHOWN[-1] - pressed)
                await DRAWN.wait()
                shown[mode].append(time.perf_counter() - pressed)
                await pilot.pause()  # the screen settles before the next question
                await asyncio.sleep(READING_SECONDS)
    return to_input, cpu_to_input, to_ready, replied, shown


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path)
    parser.add_argument("--index", type=Path)
    parser.add_argument("--rounds", type=int, default=4, help="times each question is asked")
    args = parser.parse_args()
    settings = Settings.resolve(args.corpus, args.index)
    to_input, cpu_to_input, to_ready, replied, shown = asyncio.run(measure(settings, args.rounds))
    print(f"load {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs\n")
    print("| measure | seconds |\n|---|---|")
    print(f"| launch → input accepted (target ≤ 1 s) | {to_input:.2f} |")
    print(f"| launch → input accepted, CPU time | {cpu_to_input:.2f} |")
    print(f"| launch → model loaded, index checked | {to_ready:.2f} |")
    for mode in MODES:
        for name, latencies in (("the reply", replied[mode]), ("answers drawn", shown[mode])):
            median = statistics.median(latencies)
            p95 = statistics.quantiles(latencies, n=20, method="inclusive")[18]
            print(
                f"| {mode}: enter → {name} (p50 / p95 of {len(latencies)}) "
                f"| {median:.3f} / {p95:.3f} |"
            )


if __name__ == "__main__":
    main()
