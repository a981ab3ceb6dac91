"""The names of the double-submit CSRF token, shared by the pages (which set and check it on forms,
:mod:`coordination.web.csrf`) and the API's token middleware (which checks it on writes authenticated by
the pages' cookie, :mod:`coordination.access.auth`): one definition, no import of the web layer."""

CSRF_COOKIE = "coordination_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"

CSRF_DETAIL = (
    "Ce formulaire a expiré ou ne vient pas de cette application : rechargez la page et recommencez."
)
