"""Privacy Portal: a customer's self-service view of the personal data a company holds about them."""
