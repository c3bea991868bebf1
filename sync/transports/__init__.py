"""How change records reach the national portal, in the shape of ``portal.plugins``:
``base.py`` (what the push relay and the reconcile command need), ``registry.py`` (the registered
transports, and the one ``SYNC_TRANSPORT`` names), ``contrib/<system>/`` (one implementation
each; today the national portal's HTTP protocol)."""
