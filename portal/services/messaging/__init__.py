"""What the portal tells people: in-portal notifications, and the outbox delivered over SMTP."""
