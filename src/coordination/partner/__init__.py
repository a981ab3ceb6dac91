"""The partner operator's own work: the people in her organisation's steps and accepted referrals."""
