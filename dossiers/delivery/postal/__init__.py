"""Postal transports (chuyển phát): the plugin shape of every outside system."""
