"""Support access: grants and asks a customer controls, and an agent acting as the customer under one."""
