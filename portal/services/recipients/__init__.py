"""Recipients of customers' data: the disclosure log, GDPR Art. 19 notices, their delivery and acknowledgement."""
