"""Telling the recipients of a customer's data what changed (GDPR Art. 19): the notices, their delivery over signed
webhooks, the recipients' acknowledgements, and the endpoints operators configure."""
