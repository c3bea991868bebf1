"""SMS gateways (cổng tin nhắn thương hiệu): the plugin shape of every outside system."""
