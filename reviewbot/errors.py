"""Errors that end a command with exit status 2 and a one-line reason."""


class InputError(Exception):
    """Bad input or usage: the CLI prints 'reviewbot: <source>: <reason>' and exits 2."""

    def __init__(self, source: str, reason: str):
        super().__init__(f"{source}: {reason}" if source else reason)
        self.source = source
        self.reason = reason

    def __reduce__(self):  # pickled as (source, reason): `review -j N` sends it between processes
        return (self.__class__, (self.source, self.reason))
