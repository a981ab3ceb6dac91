"""The legal visa (visa juridique): a conformity check of a contract offered in an insertion pathway.

Pure part: ``contract`` (the model), ``parameters`` (dated legal values from ``policies/visa``), ``checks``
(one pure function per legal rule, ``run_checklist``). Persistence, decision and certificate build on it.
"""
