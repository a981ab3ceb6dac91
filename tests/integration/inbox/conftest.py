"""The inbox tests reuse the referral world (Forem, a CPAS, partners, their users, Julie and her own
account), opened through the API."""

from tests.integration.referral.conftest import world  # noqa: F401
