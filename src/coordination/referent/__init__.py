"""The single referent (référent unique): orientation, one active referent, handover, worklists, bulk assignment.

Where things are: ``use_cases`` (one function per action, called by the API controllers and the pages
alike), ``services`` (the rules of a link: orientation, assignment, handover, contact), ``advisers`` (the
advisers' directory), ``bulk`` and ``importer`` (many assignments at once), ``presenters`` (the answer
shapes), ``events`` and ``notices`` (what happened, and who is told: subscribers wired in
:mod:`coordination.wiring`), ``policies`` (the rule files, a dependency of the routes)."""
