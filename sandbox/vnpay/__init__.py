"""VNPay stand-in: a payment gateway speaking the VNPay 2.1.0 protocol, under ``/vnpay/``.

The payment page (``/vnpay/paymentv2/vpcpay.html``) checks the merchant's signed URL and lets
the demo payer approve or decline; the browser then returns to the merchant, and the result is
sent to the merchant's IPN address server to server, again and again (up to
``SANDBOX_VNPAY_IPN_ATTEMPTS`` times, ``SANDBOX_VNPAY_IPN_INTERVAL_SECONDS`` apart) until the
merchant answers ``00``. ``/vnpay/merchant_webapi/api/transaction`` answers ``querydr``.
It imports nothing of the portal: it knows the merchant only by its code and shared secret.
"""
