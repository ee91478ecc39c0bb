"""Access: who may use a product — its creator, and holders of an active access grant.

Owns the `access-grants` table (GSI `by_product`, keys only; LSI `by_activity`) and writes the `enrollments` row
that goes with a course grant. Grants: `access_type` purchased | gifted | promotional (a free checkout is a
purchase at 0), `status` active | suspended | revoked.

Invariants: a course grant and its enrollment are written in ONE transaction, so there is never a grant without
its enrollment; the enrollment write is an upsert (timestamps only if absent), so a learner who started the free
preview keeps their progress. `grant` is a conditional put: a second grant for the same user and product changes
nothing and returns the existing one. Status changes (`add_grant`, `suspend`, `restore`, `revoke`) add their
writes to the CALLER's transaction (commerce's webhook transaction with its processed-event marker), each
conditioned on the status it was read with; enrollments, progress and certificates are never touched.
Reads: `full_access_reason` is one GetItem at most; `access_map` is one BatchGetItem for a page of products.

Modules: grants.
"""
