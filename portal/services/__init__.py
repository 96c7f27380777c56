"""The use cases, grouped by domain: `identity`, `rights`, `support_access`, `messaging`, `views` (see each package).
Pure Python: no web framework (an import-linter contract); the subject always comes from the `Principal`."""
