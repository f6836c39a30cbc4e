"""Exceptions the library raises; the CLI and the chat app turn them into one-line messages."""

# What a message about an index that only a rebuild can repair tells the user to do.
REBUILD = "run `verbatim index --rebuild`"


class VerbatimError(Exception):
    """A problem the user can fix; the message says what to do."""


class CorpusError(VerbatimError):
    """The corpus folder is missing or unusable."""


class ModelError(VerbatimError):
    """The embedding model cannot be found or loaded."""


class IndexMissingError(VerbatimError):
    """There is no index yet."""


class IndexDamagedError(VerbatimError):
    """The index files are unreadable or out of step with each other."""


class IndexOutdatedError(VerbatimError):
    """The index was made by an earlier Verbatim; updating it brings it up to date without
    embedding anything again."""


class RebuildRequiredError(VerbatimError):
    """The index was built with another model or chunker and must be rebuilt."""


class OtherCorpusError(RebuildRequiredError):
    """The index belongs to another corpus; rebuilding it (or using another index) is needed."""


class QuestionError(VerbatimError):
    """A question (or a question file) cannot be used as given."""


class IndexBusyError(VerbatimError):
    """Another process is writing the index."""


class UnreadableFileError(Exception):
    """One corpus file cannot be read (or is too large to); it is skipped with this reason and
    the rest of the corpus is indexed."""


class ClusterError(VerbatimError):
    """The Ray cluster asked for cannot be reached or used."""
