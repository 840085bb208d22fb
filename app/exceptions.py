"""Domain errors. Services raise them; the UI flashes or attaches them to a form field,
the API turns them into HTTP 422. Messages are lazily translated strings."""


class DomainError(Exception):
    """A business rule refused the change. ``field`` names the form field it concerns."""

    def __init__(self, message, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:  # lazy strings render in the current locale
        return str(self.message)


class NotFound(DomainError):
    """The record does not exist or is outside the user's estates."""


class PermissionDenied(DomainError):
    """The actor may not do this."""


class Conflict(DomainError):
    """The request clashes with one already done (a one-time key reused for other content):
    nothing was changed; HTTP 409 in the API."""


class ImportRejected(DomainError):
    """An import file was refused; ``errors`` lists (row number, message) pairs."""

    def __init__(self, message, errors: list[tuple[int, str]]):
        super().__init__(message)
        self.errors = errors
