"""The shipped realm keeps display names out of users' hands (issue 15, point 5).

The journal stores the user's display name (the token's ``name`` claim, built by Keycloak from first and
last name): a user who could rename themself in the account console could sign their accesses with a
colleague's name. So username, e-mail, first and last name are edited by administrators only, as the
role and organisation attributes already are, and no unmanaged attribute can be added by a user.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

REALM = Path(__file__).resolve().parents[3] / "deploy" / "keycloak" / "coordination-realm.json"
IDENTITY_ATTRIBUTES = ("username", "email", "firstName", "lastName")


@pytest.fixture(scope="module")
def realm() -> dict:
    return json.loads(REALM.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def profile(realm: dict) -> dict:
    (provider,) = realm["components"]["org.keycloak.userprofile.UserProfileProvider"]
    assert provider["providerId"] == "declarative-user-profile"
    (config,) = provider["config"]["kc.user.profile.config"]
    return json.loads(config)


def test_users_cannot_edit_their_username_email_or_name(profile: dict) -> None:
    attributes = {a["name"]: a for a in profile["attributes"]}
    for name in IDENTITY_ATTRIBUTES:
        permissions = attributes[name]["permissions"]
        assert permissions["edit"] == ["admin"], f"users must not edit {name}"
        assert "user" in permissions["view"], f"users still see their own {name}"


def test_no_identity_attribute_is_required_from_the_user(profile: dict) -> None:
    """A field required of the user but not editable by them would lock them out at login: the
    administrator fills it when creating the account."""
    for attribute in profile["attributes"]:
        required = attribute.get("required")
        if required is not None:
            assert "user" not in required.get("roles", []), attribute["name"]


def test_every_attribute_is_edited_by_administrators_only(profile: dict) -> None:
    for attribute in profile["attributes"]:
        assert attribute["permissions"]["edit"] == ["admin"], attribute["name"]


def test_users_cannot_add_unmanaged_attributes_or_rename_themselves(realm: dict, profile: dict) -> None:
    assert profile.get("unmanagedAttributePolicy") in (None, "ADMIN_VIEW", "ADMIN_EDIT")
    assert realm["editUsernameAllowed"] is False
    assert realm["registrationAllowed"] is False
