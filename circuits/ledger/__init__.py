"""The derivatives ledger as seen by the circuit: parameters, the batch-data record
layout, the state hashes and public input (shared with the native spec in
``rollup``), witness types, and the batch transition circuit."""
