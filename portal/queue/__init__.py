"""The request queue core: filing, the state machine, claims and leases, deadlines, the worker loop, staff actions
and the hooks side effects subscribe to. It imports only models, db and audit: what a job does lives in
`portal.jobs`, what a status change sets off (notifications) subscribes through `hooks`."""
