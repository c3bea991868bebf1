"""The dossier's life after submission: the state machine (DOMAIN.md §3).

- :mod:`.table`: the one transition table (from which statuses, to which, who, what is required);
- :mod:`.transitions`: one service function per transition, each locking the dossier row;
- :mod:`.inbox`: the dossiers an official acts on.
"""
