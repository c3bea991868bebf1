"""Demo data for ``make demo`` (``manage.py seed_demo``): citizens, their dossiers and the
officials' work on them, all made through the same services as real use.

- :mod:`.people`: the demo citizens (the sandbox VNeID identities) and the demo officials;
- :mod:`.answers`: what each citizen types into the e-forms, and the scans they upload;
- :mod:`.journeys`: which dossier goes how far, and when (``portal.clock.as_of``).
"""
