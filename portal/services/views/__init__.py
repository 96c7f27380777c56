"""Read models for the pages: requests and their timelines, the staff queue, the audit trail, in words."""
