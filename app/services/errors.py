"""Domain errors the services raise; the API and pages turn them into responses."""


class DomainError(Exception):
    """Base of the errors a service raises on purpose."""

    status = 400

    def __init__(self, message: str = "", errors: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


class ValidationFailed(DomainError):
    """Bad input; `errors` maps dotted field paths to messages."""

    status = 422


class BadRequest(DomainError):
    """A request that cannot be read at all (malformed JSON, not an object)."""

    status = 400


class NotFound(DomainError):
    """It does not exist, or the caller may not know that it does."""

    status = 404


class Forbidden(DomainError):
    """The caller is known but may not do this."""

    status = 403


class Conflict(DomainError):
    """The lead's current state does not allow this action."""

    status = 409


class UnsupportedMediaType(DomainError):
    """A body in a format this endpoint does not read."""

    status = 415
