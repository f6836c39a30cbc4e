"""What `verbatim index` would do, without embedding or writing anything (`--dry-run`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from verbatim.errors import IndexMissingError
from verbatim.index.directory import Index
from verbatim.index.indexer import check_corpus_of, plan, unreadable_notes
from verbatim.ingest import (
    CHUNKER_VERSION,
    UnreadableFileError,
    check_corpus,
    content_digest,
    load,
)


@dataclass(slots=True)
class Preview:
    """Files an update would add, re-embed and remove, and those it would skip (with why)."""

    add: list[str] = field(default_factory=list)
    reembed: list[str] = field(default_factory=list)
    remove: list[str] = field(default_factory=list)
    skip: list[tuple[str, str]] = field(default_factory=list)
    unchanged: int = 0
    rebuild: str = ""  # why the whole index would be built anew, if it would


def preview(
    corpus: Path, directory: Path, model_fingerprint: str, rebuild: bool = False
) -> Preview:
    """Compare the corpus with the index the way an update does, reading (not embedding) the
    files whose size or time changed, so a file merely touched is not counted as changed."""
    check_corpus(corpus)  # a missing corpus is the same clear error as for an update
    result = Preview()
    try:
        manifest, known = Index.documents_in(directory)
    except IndexMissingError:
        manifest, known, result.rebuild = None, {}, "there is no index yet"
    if manifest is not None and not rebuild:
        check_corpus_of(manifest, directory, corpus)  # the update itself would refuse
    if manifest is not None and rebuild:
        known, result.rebuild = {}, "--rebuild was given"
    elif manifest is not None and manifest.model_fingerprint != model_fingerprint:
        known, result.rebuild = {}, "the model changed"
    elif manifest is not None and manifest.chunker_version != CHUNKER_VERSION:
        known, result.rebuild = {}, "the index was built by an older Verbatim"
    todo = plan(corpus, known)
    result.skip += unreadable_notes(todo)
    result.remove = [record.path for record in todo.deleted]
    result.unchanged = todo.unchanged
    for state in todo.new + todo.changed:
        try:
            digest = content_digest(load(corpus / state.path))
        except UnreadableFileError as error:
            result.skip.append((state.path, str(error)))
            continue
        record = known.get(state.path)
        if record is None:
            result.add.append(state.path)
        elif record.sha256 != digest:
            result.reembed.append(state.path)
        else:
            result.unchanged += 1
    return result
