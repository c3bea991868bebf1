"""Delivery of the result (trả kết quả): online, at the desk (the hand-over, checking the ID
number of the person collecting), or by post (a shipment through the postal transport plugin,
whose signed reports end the delivery). Its own app (label ``delivery``) inside ``dossiers``."""
