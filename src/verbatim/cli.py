"""The `verbatim` command: a thin shell over :class:`verbatim.Assistant`."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NoReturn

import click

from verbatim.config import CORPUS_ENV, INDEX_ENV, MODEL_ENV, RAY_ENV, Settings
from verbatim.controls import TERMINAL_CONTROLS, escaped
from verbatim.errors import REBUILD, QuestionError, VerbatimError

if TYPE_CHECKING:  # the real imports stay lazy so `--help` is instant
    from verbatim.assistant import Assistant, Status
    from verbatim.index.indexer import Report
    from verbatim.serve.client import Client
    from verbatim.types import Reply


def _echo(message: str = "", err: bool = False, nl: bool = True, **style: Any) -> None:
    """Write one message: a control character in it (from a document, a file name or an index
    built before documents were cleaned) is shown escaped, never acted on by the terminal."""
    click.secho(escaped(message), err=err, nl=nl, **style)


def _echo_json(data: object) -> None:
    """Write one JSON line; JSON escapes C0 controls itself, and DEL, C1 and the bidirectional
    controls are escaped too."""
    text = json.dumps(data, ensure_ascii=False)
    click.echo(TERMINAL_CONTROLS.sub(lambda match: f"\\u{ord(match.group()):04x}", text))


def _fail(message: str, code: int = 2) -> NoReturn:
    _echo(f"verbatim: error: {message}", err=True)
    sys.exit(code)


class _Group(click.Group):
    """Turns every error the user can fix into one line on stderr and exit code 2."""

    def main(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        kwargs["standalone_mode"] = False
        try:
            return super().main(*args, **kwargs)
        except click.exceptions.Exit as done:
            sys.exit(done.exit_code)
        except click.ClickException as error:
            _fail(f"{error.format_message()} (see `verbatim --help`)")
        except VerbatimError as error:
            _fail(str(error))
        except (click.Abort, KeyboardInterrupt):
            _fail("interrupted", 130)
        except BrokenPipeError:
            sys.exit(1)


@click.group(cls=_Group, invoke_without_command=True)
@click.option(
    "--corpus",
    type=click.Path(file_okay=False, path_type=Path),
    envvar=CORPUS_ENV,
    help=f"Folder of documents to answer from [env {CORPUS_ENV}; default ./corpus].",
)
@click.option(
    "--index",
    "index_dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar=INDEX_ENV,
    help=f"Folder of the built index [env {INDEX_ENV}; default ./embeddings].",
)
@click.option(
    "--model",
    type=click.Path(path_type=Path),
    envvar=MODEL_ENV,
    help=f"Local sentence-transformers model folder [env {MODEL_ENV}; "
    "default: the packaged all-MiniLM-L6-v2].",
)
@click.version_option(package_name="verbatim")
@click.pass_context
def cli(
    ctx: click.Context, corpus: Path | None, index_dir: Path | None, model: Path | None
) -> None:
    """Answer questions from your documents with sentences quoted verbatim, each with its source.

    Without a command, opens the chat app.
    """
    ctx.obj = (corpus, index_dir, model)
    if ctx.invoked_subcommand is None:
        ctx.invoke(chat)


def _assistant(ctx: click.Context) -> Assistant:
    from verbatim.assistant import Assistant

    assistant = Assistant(Settings.resolve(*ctx.obj))
    ctx.call_on_close(assistant.close)
    return assistant


class _ProgressLine:
    """Progress on stderr: one line redrawn in a terminal (with the rate and the time left),
    one line per stage elsewhere."""

    def __init__(self) -> None:
        self._tty = sys.stderr.isatty()
        self._stage = ""
        self._started = 0.0

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage != self._stage:
            self._started = time.monotonic()
        if self._tty:
            line = progress_text(stage, done, total, time.monotonic() - self._started)
            # The one place the CLI writes a control sequence of its own (the stage is ours).
            click.echo(f"\r{line}\033[K", err=True, nl=False)
            if done == total:
                click.echo("", err=True)
        elif stage != self._stage:
            count = f" ({total})" if total > 1 else ""
            _echo(f"{stage.capitalize()}{count}...", err=True)
        self._stage = stage


def progress_text(stage: str, done: int, total: int, seconds: float) -> str:
    """ "Embedding passages 1,200/5,268 · 12.3/s · 5:31 left": a stage's progress, its items
    per second since it began ``seconds`` ago, and the time left at that rate."""
    if total <= 1:  # one step ("Preparing the model"): no count to show
        return stage.capitalize()
    text = f"{stage.capitalize()} {done:,}/{total:,}"
    if done <= 0 or seconds <= 0 or done >= total:
        return text
    rate = done / seconds
    left = round((total - done) / rate)
    hours, minutes, seconds_left = left // 3600, left // 60 % 60, left % 60
    clock = (
        f"{hours}:{minutes:02d}:{seconds_left:02d}" if hours else f"{minutes}:{seconds_left:02d}"
    )
    return f"{text} · {rate:,.1f}/s · {clock} left"


def _print_report(report: Report) -> None:
    updated = report.changes or report.rebuilt or report.unchanged or report.skipped
    if updated or not report.warnings:  # not a repair alone, which its warning tells
        _print_summary(report)
    for warning in report.warnings:
        _echo(f"verbatim: warning: {warning}", err=True)


def _print_summary(report: Report) -> None:
    parts = [f"{len(report.added)} added", f"{len(report.updated)} updated"]
    parts += [f"{len(report.removed)} removed", f"{report.unchanged} unchanged"]
    _echo(
        f"{'Built' if report.rebuilt else 'Updated'} the index: {', '.join(parts)} "
        f"({_counted(report.passages_embedded, 'passage')} and "
        f"{_counted(report.sentences_embedded, 'sentence')} embedded in {report.seconds:.1f} s)",
        err=True,
    )
    for path, reason in report.skipped:
        _echo(f"verbatim: warning: skipped {path}: {reason}", err=True)


@cli.command()
@click.option("--rebuild", is_flag=True, help="Throw the index away and build it again.")
@click.option(
    "--dry-run", is_flag=True, help="List what would be added, re-embedded and removed only."
)
@click.option("--watch", is_flag=True, help="Then keep the index in step with the corpus.")
@click.option(
    "--ray",
    "ray_address",
    is_flag=False,
    flag_value="auto",
    metavar="[ADDRESS]",
    help=f"Read and embed on a Ray cluster: auto, host:port or ray://host:port "
    f"[env {RAY_ENV}; needs pip install '.[ray]'].",
)
@click.option(
    "--ray-actors",
    type=click.IntRange(min=1),
    help="With --ray: encoder actors [default: the cluster's CPUs / CPUs per actor].",
)
@click.option(
    "--ray-cpus-per-actor",
    type=click.IntRange(min=1),
    help="With --ray: CPUs (torch threads) per actor [default: 1].",
)
@click.option(
    "--ray-batch-size",
    type=click.IntRange(min=1),
    help="With --ray: files an actor reads and embeds at once [default: 4].",
)
@click.pass_context
def index(
    ctx: click.Context,
    rebuild: bool,
    dry_run: bool,
    watch: bool,
    ray_address: str | None,
    ray_actors: int | None,
    ray_cpus_per_actor: int | None,
    ray_batch_size: int | None,
) -> None:
    """Index the corpus (only new and changed files are embedded)."""
    assistant = _assistant(ctx)
    if dry_run:
        _print_preview(assistant, rebuild)
        return
    ray = None
    address = ray_address or assistant.settings.ray
    if address and address.strip() not in ("", "local"):
        from verbatim.index.distributed import RayOptions

        ray = RayOptions(address.strip(), ray_actors, ray_cpus_per_actor, ray_batch_size)
    _print_report(assistant.update_index(rebuild=rebuild, progress=_ProgressLine(), ray=ray))
    if watch:
        _watch(assistant)


def _counted(number: int, noun: str) -> str:
    """A count and its noun: "1 passage", "2 passages"."""
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _answers_option(default: int, help: str) -> Any:
    """``-k``: how many answers to ask for, at least one."""
    return click.option(
        "-k", "k", type=click.IntRange(min=1), default=default, show_default=True, help=help
    )


@cli.command()
@click.argument("question", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per question on stdout.")
@_answers_option(3, "How many answers at most.")
@click.option(
    "--questions",
    type=click.File("r", encoding="utf-8", errors="surrogateescape"),
    help='JSON-lines file of questions (field "question", or "turns" for a conversation); '
    '"-" reads stdin.',
)
@click.option(
    "--keep-going",
    is_flag=True,
    help="With --questions: name a broken line on stderr, answer the others, exit 2 at the end.",
)
@click.pass_context
def ask(
    ctx: click.Context,
    question: tuple[str, ...],
    as_json: bool,
    k: int,
    questions: IO[str] | None,
    keep_going: bool,
) -> None:
    """Answer QUESTION (or every question in --questions) from the corpus."""
    if questions is None and not question:
        raise click.UsageError("give a question, or --questions FILE")
    if questions is not None and question:
        raise click.UsageError("give either a question or --questions FILE, not both")
    texts = _read_questions(questions) if questions is not None else iter([" ".join(question)])
    server = _server(ctx)
    assistant: Assistant | None = None

    def local() -> Assistant:  # built only when a question is answered in-process
        nonlocal assistant
        assistant = assistant or _ready_assistant(ctx)
        return assistant

    failed = 0
    for outcome in _replies(server, local, texts, k):
        if isinstance(outcome, QuestionError):
            if not keep_going:
                raise outcome
            _echo(f"verbatim: error: {outcome}", err=True)
            failed += 1
            continue
        reply, extra = outcome
        if as_json:
            _echo_json({**reply.to_dict(), **extra})
        else:
            _print_reply(reply)
    if failed:
        _fail(f"{failed} question line(s) could not be answered (named above); the others were")


def _server(ctx: click.Context) -> Client | None:
    """A running `verbatim serve` for these settings, if any."""
    from verbatim.serve.client import Client

    server = Client.connect(Settings.resolve(*ctx.obj))
    if server is not None:
        ctx.call_on_close(server.close)
    return server


def _ready_assistant(ctx: click.Context) -> Assistant:
    """An assistant with its index built or brought up to date."""
    assistant = _assistant(ctx)
    report = assistant.ensure_index(progress=_ProgressLine())
    if report is not None:
        _print_report(report)
    return assistant


def _replies(
    server: Client | None,
    local: Callable[[], Assistant],
    items: Iterator[str | list[str] | QuestionError],
    k: int,
) -> Iterator[tuple[Reply, dict[str, int]] | QuestionError]:
    """Each question's reply, from the server when one runs and can give it, or the error that
    stopped it; a list of turns is asked in one (in-process) conversation, and its replies
    carry which conversation (counted from 1 in the file) and which turn they answer."""
    conversations = 0
    for item in items:
        if isinstance(item, QuestionError):
            yield item
        elif isinstance(item, str):
            try:
                reply = server.ask(item, k) if server else None
                yield reply or local().ask(item, k=k), {}
            except QuestionError as error:
                yield error
        else:
            conversations += 1
            chat = local().conversation()
            for turn, text in enumerate(item, start=1):
                try:
                    yield chat.ask(text, k=k), {"conversation": conversations, "turn": turn}
                except QuestionError as error:
                    yield error


def _read_questions(stream: IO[str]) -> Iterator[str | list[str] | QuestionError]:
    """Questions, or for a conversation's line its list of turns, or for a broken line the
    error naming it (:func:`verbatim.question_file.read`)."""
    from verbatim.question_file import read

    for entry in read(stream, getattr(stream, "name", "questions"), lambda item: item["question"]):
        yield entry if isinstance(entry, QuestionError) else entry[1]


def _print_reply(reply: Reply) -> None:
    _echo(f"Q: {reply.question}", bold=True)
    if reply.abstained:
        _echo("Not found in your documents.")
        if reply.nearest:
            _echo("Nearest passages, for a look:")
            for answer in reply.nearest[:2]:
                source = answer.sources[0]
                _echo(f"  - {source.label}")
        _echo()
        return
    for number, answer in enumerate(reply.answers, start=1):
        _echo(f"{number}. {answer.text}")
        agree = f" · {len(answer.sources)} sources agree" if len(answer.sources) > 1 else ""
        _echo(f"   score {answer.score:.2f}{agree}", dim=True)
        for source in answer.sources:
            _echo(f"   ↳ {source.label}", dim=True)
    _echo()


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
@click.pass_context
def status(ctx: click.Context, as_json: bool) -> None:
    """Show what is indexed, with which model, and what changed since."""
    state = _assistant(ctx).status()
    manifest = state.manifest
    data = {
        "corpus": str(state.corpus),
        "index": str(state.index),
        "model": manifest.model,
        "model_matches": state.model_matches,
        "documents": manifest.documents,
        "passages": manifest.passages,
        "sentences": manifest.sentences,
        "built_at": manifest.built_at,
        "updated_at": manifest.updated_at,
        "stale": state.is_stale,
        "new": state.new,
        "changed": state.changed,
        "deleted": state.deleted,
        "index_corpus": None if state.index_corpus is None else str(state.index_corpus),
        "corpus_matches": state.corpus_matches,
    }
    if as_json:
        _echo_json(data)
    else:
        _print_status(state)


def _print_status(state: Status) -> None:
    manifest = state.manifest
    _echo(f"Corpus:   {state.corpus}")
    _echo(f"Index:    {state.index} (built {manifest.built_at}, updated {manifest.updated_at})")
    _echo(f"Serves:   {state.index_corpus or 'no corpus recorded yet: the next update records it'}")
    _echo(f"Model:    {manifest.model}")
    _echo(
        f"Contents: {manifest.documents} documents, {manifest.passages} passages, "
        f"{manifest.sentences} sentences"
    )
    if not state.corpus_matches:
        _echo(
            "Warning:  the index belongs to another corpus: pass --index with another folder, "
            f"or {REBUILD} to rebuild it for this one"
        )
    if not state.model_matches:
        _echo(f"Warning:  the configured model differs: {REBUILD}")
    if state.is_stale:
        _echo(
            f"Stale:    {len(state.new)} new, {len(state.changed)} changed, "
            f"{len(state.deleted)} deleted file(s): run `verbatim index`"
        )
        for label, paths in (("new", state.new), ("changed", state.changed)):
            for path in paths:
                _echo(f"  {label}: {path}")
        for path in state.deleted:
            _echo(f"  deleted: {path}")
    else:
        _echo("Fresh:    the index matches the corpus")


@cli.command()
@click.option(
    "--idle-timeout",
    type=click.FloatRange(min=0),
    default=900,
    show_default=True,
    help="Stop after this many seconds without questions (0: never).",
)
@click.pass_context
def serve(ctx: click.Context, idle_timeout: float) -> None:
    """Keep the index and model warm so `verbatim ask` answers in milliseconds.

    Listens on a Unix socket in the index folder (only you can connect); `verbatim ask` uses
    it while it runs and answers in-process otherwise. Stop it with ctrl+c or SIGTERM.
    """
    from verbatim.allocator import warm_for_many_questions
    from verbatim.serve.server import Server

    assistant = _ready_assistant(ctx)
    warm_for_many_questions(assistant)
    server = Server(assistant, idle_seconds=idle_timeout)
    server.serve_forever(ready=sys.stderr)
    _echo("verbatim serve: stopped", err=True)


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--link", is_flag=True, help="Link the files into the corpus instead of copying.")
@click.pass_context
def add(ctx: click.Context, paths: tuple[Path, ...], link: bool) -> None:
    """Copy (or link) files or folders into the corpus and update the index."""
    from verbatim.ingest.adding import add_paths

    assistant = _assistant(ctx)
    result = add_paths(list(paths), assistant.settings.corpus, link=link)
    for path in result.added:
        _echo(f"{'linked' if link else 'added'}: {path}")
    for path, reason in result.skipped:
        _echo(f"skipped: {path} ({reason})")
    _echo(f"{len(result.added)} added, {len(result.skipped)} skipped.")
    if result.added:
        _print_report(assistant.update_index(progress=_ProgressLine()))


@cli.command()
@click.pass_context
def chat(ctx: click.Context) -> None:
    """Open the chat app (the default command)."""
    from verbatim.tui.app import run

    run(Settings.resolve(*ctx.obj))


@cli.command("eval")
@click.argument("questions_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the scores as one JSON object.")
@_answers_option(10, "How many answers to ask for (MRR@10 needs 10).")
@click.pass_context
def eval_(ctx: click.Context, questions_file: Path, as_json: bool, k: int) -> None:
    """Ask every question in QUESTIONS_FILE (JSON lines, questions or conversations) and
    print answer@1/@3, context@5, MRR@10, abstention, highlight overlap and latency."""
    import time

    from verbatim import evaluate

    questions = evaluate.load_questions(questions_file)  # a bad file fails before indexing
    assistant = _assistant(ctx)
    started = time.perf_counter()
    report = assistant.ensure_index(progress=_ProgressLine())
    index_seconds = time.perf_counter() - started if report is not None else None
    if report is not None:
        _print_report(report)
    scores = evaluate.run(assistant, questions, k=k, progress=_ProgressLine())
    if as_json:
        _echo_json(evaluate.summary(scores, index_seconds))
    else:
        _echo(evaluate.describe(scores, index_seconds))


def main() -> None:
    # Nothing the command does wants OpenBLAS's threads (a question multiplies one vector; the
    # model's work is torch's, on MKL), and starting them costs a cold `ask` ~0.1 s of its ~0.5:
    # one thread, unless the user chose otherwise. Set before numpy loads, which reads it then.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    cli()


def _watch(assistant: Assistant) -> None:
    from verbatim.watch import corpus_changes

    settings = assistant.settings
    _echo(f"Watching {settings.corpus} for changes (ctrl+c to stop)...", err=True)
    for paths in corpus_changes(settings.corpus, settings.index):
        report = assistant.update_index(progress=_ProgressLine())
        # the look made as the watch is set up is reported only if it found changes
        if paths or report.changes:
            _print_report(report)


def _print_preview(assistant: Assistant, rebuild: bool) -> None:
    from verbatim.index.preview import preview

    settings = assistant.settings
    plan = preview(settings.corpus, settings.index, assistant.embedder.fingerprint, rebuild)
    if plan.rebuild:
        _echo(f"Would build the index anew ({plan.rebuild}).")
    groups = (("add", plan.add), ("re-embed", plan.reembed), ("remove", plan.remove))
    for verb, paths in groups:
        for path in paths:
            _echo(f"{verb}: {path}")
    for path, reason in plan.skip:
        _echo(f"skip: {path} ({reason})")
    _echo(
        f"Would add {len(plan.add)}, re-embed {len(plan.reembed)}, remove {len(plan.remove)} and "
        f"skip {len(plan.skip)} file(s); {plan.unchanged} unchanged. Nothing was changed."
    )
