"""Names the CA and the command line share, in a module with no imports (the ``zkdx`` parser
is built on every invocation and must stay cheap)."""

ALGORITHMS = ("ed25519", "p256")  # key types for the CA, the gateway and clients
ROLES = ("taker", "maker")  # a certificate's role: who may send RFQs and accepts, who may quote
REASONS = (  # CRL reason codes offered by `zkdx ca revoke`
    "unspecified",
    "key_compromise",
    "affiliation_changed",
    "superseded",
    "cessation_of_operation",
    "privilege_withdrawn",
)
