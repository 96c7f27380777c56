"""The rights a customer exercises (GDPR Art. 15-21): seeing their data, correcting it, contesting records, consents,
exports, withdrawal and erasure with its signed receipt."""
