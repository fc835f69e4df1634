"""Errors that reach a user as one or two plain sentences, never a traceback."""


class QAError(Exception):
    """Base for every error the command line reports as a plain message."""


class DataFileError(QAError):
    """A data file that cannot be used at all (unreadable, a required column missing...)."""

    def __init__(self, file, problem: str):
        self.file = str(file)
        self.problem = problem
        super().__init__(f"{self.file}: {problem}")


class QuarterError(QAError, ValueError):
    """A quarter or year label that is not one of the accepted forms."""


class UsageError(QAError):
    """A command or function used wrongly: a missing or unknown option, a malformed value,
    an unknown metric key or topic. The command line exits with code 2 (argparse's
    convention); other failures exit with 1."""


class UnknownNameError(UsageError, KeyError):
    """An unknown metric key or topic; the message lists the valid ones.

    A ``KeyError`` too, so ``except KeyError`` around a look-up still works.
    """

    def __str__(self) -> str:  # KeyError would print the message inside quotes
        return str(self.args[0]) if self.args else ""
