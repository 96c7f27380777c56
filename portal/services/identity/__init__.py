"""Who someone is and whether they may act now: sign-in, sessions, passwords and their reset, the sign-in throttle
(also for re-asked passwords), signed tokens, the live session behind every request and page event, and the
safety net of an email change."""
