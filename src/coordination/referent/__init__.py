"""The single referent (référent unique): orientation, one active referent, handover, worklists, bulk assignment."""
