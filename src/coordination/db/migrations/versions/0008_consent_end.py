"""consent end: a consent can end with its purpose (``consent_events.kind = 'ended'``); a referral's
consent state can be ``ended``

``consent_events.kind`` is a plain string column (non-native enum, no CHECK), so the new event kind needs
no schema change; the referrals' CHECK on ``consent_state`` does.
"""

from alembic import op

revision = "0008_consent_end"
down_revision = "0007_referral"

NAME = "ck_referrals_consent_state_known"
BEFORE = "consent_state IN ('requested', 'given', 'declined', 'withdrawn')"
AFTER = "consent_state IN ('requested', 'given', 'declined', 'withdrawn', 'ended')"


def _replace_check(condition: str) -> None:
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.drop_constraint(op.f(NAME), type_="check")
        batch_op.create_check_constraint(op.f(NAME), condition)


def upgrade() -> None:
    _replace_check(AFTER)


def downgrade() -> None:
    op.execute("UPDATE referrals SET consent_state = 'withdrawn' WHERE consent_state = 'ended'")
    _replace_check(BEFORE)
