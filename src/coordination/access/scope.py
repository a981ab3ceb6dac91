"""The three facts of one request that the access gate journals (its session, who asks, its request id), and
the one place a use case asks the gate itself.

Most routes never need it: a route about one person declares its ``access`` (``opt={"section": …,
"action": …}``) and the declared gate (:mod:`coordination.access.declared`) decides before the handler
runs. A use case asks the gate itself only where the route cannot decide: the path names a visa or a
document rather than the section it opens, a form names the person, a page shows one part beside others,
a line of an import or a handover in a list is shown or skipped. It asks through :class:`RequestScope`, so
the session, the principal and the request id are never handed to :func:`~coordination.access.gate.
check_access` by hand, and the request contexts of the domains (``access.context.Context``,
``dossier.context.FileRequest``, ``cadastre.dependencies.RegistryContext``, ``referral.context.Context``,
``visa.use_cases.Visas``, ``referent.use_cases.Referents``) extend it instead of repeating those three
fields.

:func:`~coordination.access.gate.check_access` stays the gate itself; the scope only supplies the request's
facts.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from coordination.access.gate import AccessDecision, check_access
from coordination.access.principal import Principal


@dataclass(frozen=True)
class RequestScope:
    """One request, as the gate sees it: the session its journal rows are written in, who asks, and the
    request id each row carries."""

    session: AsyncSession
    principal: Principal
    request_id: str

    async def require(
        self, person_id: UUID, section: str, action: str, *, document_id: UUID | None = None
    ) -> AccessDecision:
        """The gate's decision, journaled; a refusal is a 403 (French ``detail``) whose journal row the
        request's session keeps although the request fails."""
        return await self._ask(person_id, section, action, document_id, raise_on_deny=True)

    async def decide(
        self, person_id: UUID, section: str, action: str, *, document_id: UUID | None = None
    ) -> AccessDecision:
        """The gate's decision, journaled, never raising on a refusal: for a caller that shows or skips
        (a part of a page, a handover in a list, a line of an import) and reads ``allowed``."""
        return await self._ask(person_id, section, action, document_id, raise_on_deny=False)

    async def _ask(
        self, person_id: UUID, section: str, action: str, document_id: UUID | None, *, raise_on_deny: bool
    ) -> AccessDecision:
        return await check_access(
            self.session,
            self.principal,
            person_id=person_id,
            section=section,
            action=action,
            request_id=self.request_id,
            document_id=document_id,
            raise_on_deny=raise_on_deny,
        )
