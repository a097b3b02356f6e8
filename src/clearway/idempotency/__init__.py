"""Idempotency keys (the IETF HTTP API draft `Idempotency-Key` header): a retried POST answers its first answer."""
