"""The directory: organisations (Forem, CPAS, partners, regulators) and the user accounts acting for them.

Identities come from the identity provider; this directory mirrors who they are so that files, journals
and worklists can name them and so that referent links point to real accounts.
"""
