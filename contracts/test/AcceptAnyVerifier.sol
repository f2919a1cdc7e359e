// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// TEST ONLY: a "verifier" that accepts every proof, standing for a soundness bug in tests of
/// the watchers (tests/test_monitor_*.py).  Compiled on demand by the tests; no deploy path
/// in zkdx uses it, and it must never be deployed anywhere else.
contract AcceptAnyVerifier {
    function verifyProof(uint256[2] calldata, uint256[2][2] calldata, uint256[2] calldata, uint256[1] calldata)
        external
        pure
        returns (bool)
    {
        return true;
    }
}
