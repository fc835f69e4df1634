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
