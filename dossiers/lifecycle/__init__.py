"""The dossier's life after submission: the state machine (DOMAIN.md §3).

- :mod:`.table`: the one transition table (from which statuses, to which, who, what is required);
- :mod:`.transitions`: one service function per transition, each locking the dossier row;
- :mod:`.inbox`: the dossiers an official acts on;
- :mod:`.asked` and :mod:`.answer`: what the agency asked the applicant for, and the
  applicant's answer on the same dossier (documents per item, then the answer transition).
"""
