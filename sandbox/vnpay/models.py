"""The stand-in's transactions and each IPN call it made."""

from django.db import models


class Transaction(models.Model):
    class State(models.TextChoices):
        OPEN = "open", "Chờ thanh toán"
        PAID = "paid", "Thành công"
        DECLINED = "declined", "Không thành công"

    tmn_code = models.CharField(max_length=20)
    txn_ref = models.CharField(max_length=100)
    amount = models.BigIntegerField()
    order_info = models.CharField(max_length=255)
    return_url = models.URLField(max_length=1000)
    ip_address = models.CharField(max_length=45)
    create_date = models.CharField(max_length=14)
    expire_date = models.CharField(max_length=14)
    state = models.CharField(max_length=8, choices=State.choices, default=State.OPEN)
    response_code = models.CharField(max_length=2, blank=True)
    transaction_no = models.CharField(max_length=20, blank=True)
    bank_code = models.CharField(max_length=20, blank=True)
    pay_date = models.CharField(max_length=14, blank=True)
    ipn_attempts = models.PositiveSmallIntegerField(default=0)
    ipn_answer = models.CharField(max_length=4, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tmn_code", "txn_ref"], name="vnpay_unique_txn"),
        ]

    def __str__(self) -> str:
        return f"{self.txn_ref} {self.state}"

    @property
    def transaction_status(self) -> str:
        return {"paid": "00", "declined": "02"}.get(self.state, "01")

    def result_params(self) -> dict[str, str]:
        """What the gateway tells the merchant (return URL and IPN), unsigned."""
        return {
            "vnp_Amount": str(self.amount),
            "vnp_BankCode": self.bank_code,
            "vnp_BankTranNo": f"VNP{self.transaction_no}" if self.state == "paid" else "",
            "vnp_CardType": "ATM",
            "vnp_OrderInfo": self.order_info,
            "vnp_PayDate": self.pay_date,
            "vnp_ResponseCode": self.response_code,
            "vnp_TmnCode": self.tmn_code,
            "vnp_TransactionNo": self.transaction_no or "0",
            "vnp_TransactionStatus": self.transaction_status,
            "vnp_TxnRef": self.txn_ref,
        }
