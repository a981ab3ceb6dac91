"""The access gate: identity (JWT), policy (Casbin), consent facts and the access journal."""
