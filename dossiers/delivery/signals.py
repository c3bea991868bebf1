"""``delivery_changed``: sent inside the transaction that records news of a delivery.

Arguments: ``delivery`` (the saved row) and ``event``: ``shipped`` (the post took the result and
gave its tracking number) or ``post_returned`` (the post brought it back; it waits at the desk),
and ``note``. The end of a delivery is the dossier's ``return_result`` transition itself.
"""

from django.dispatch import Signal

delivery_changed = Signal()
