"""The L1 side: the web3.py client, contract sources and artifacts, the pinned solc, the
hardhat dev node, and Poseidon for the EVM."""
