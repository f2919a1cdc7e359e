"""RFQ gateway over mutual TLS: the operator's CA and onboarding (``pki``, ``identity``,
``onboarding``, ``registry``), the live CRL (``tls``), the wire protocol (``protocol``), the RFQ
flow (``book``, ``terms``, ``service``), the gateway itself (``gateway``, ``connections``,
``ratelimit``, ``audit``), the sequencer interface (``sequencer``) and the client (``client``)."""
