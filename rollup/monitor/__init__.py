"""Watchers that trust nothing but L1: ``zkdx verify-chain`` and ``zkdx monitor``.

chain       read the rollup from L1 alone: its immutables, events, the calldata of
            each ``submitBatch``, code hashes, views at a given block
replay      rebuild the ledger from genesis with the native spec and check each batch
            (old root, decoding, rules, queue, new root, public input, proof)
vkcode      the verifying key read back from the deployed verifier's code, checked by
            recompiling it
checkpoint  a replayed state saved with a checksum and re-proven against L1 on load
verify      ``verify-chain``: one pass over every accepted batch
config      the monitor's JSON configuration (thresholds, addresses, key, webhook)
checks      the monitor's checks over one step of new blocks
alerts      JSON lines on stdout and an optional webhook
guardian    the guardian's ``votePause`` from an encrypted keystore
metrics     Prometheus gauges
watch       the long-running monitor loop
"""
