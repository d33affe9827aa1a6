"""Domain errors: what went wrong, in words a worker or volunteer can act on.

Domain modules never import Flask, so messages are marked with ``N_`` (for
extraction into the catalogs) and translated by the view that shows them.
"""


def N_(message):
    """Mark a message for translation without translating it yet."""
    return message


class DomainError(Exception):
    """A refusal with a user-facing message (an English msgid) and parameters."""

    status = 400

    def __init__(self, message, **params):
        super().__init__(message % params if params else message)
        self.message = message
        self.params = params


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    status = 409
