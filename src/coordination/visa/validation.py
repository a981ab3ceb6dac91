"""Bad contract input answered in French: msgspec's messages (a negative amount, an unknown field, a date
that is not a date) and the contract's own consistency rules, turned into one French problem detail.

Why its own handler: the visa's users are social workers typing a contract, and its form shows each message
beside its field; the messages are the app's (:mod:`coordination.validation_messages`), the sentence that leads
them is the visa's. The handler is attached to the routes whose body is a contract; a decision or
hours refused get the app's sentence."""

from __future__ import annotations

from litestar import Request, Response
from litestar.exceptions import ValidationException
from litestar.types import ExceptionHandlersMap

from coordination.errors import problem_for_exception, validation_problem


def handle_validation(request: Request, exc: Exception) -> Response:
    """The visa routes' answer to bad input: 400, French detail, nothing written (the handler never ran)."""
    if not isinstance(exc, ValidationException):
        return problem_for_exception(request, exc)
    return validation_problem(request, exc, "Le contrat décrit n'est pas valide")


EXCEPTION_HANDLERS: ExceptionHandlersMap = {ValidationException: handle_validation}
