pragma circom 2.0.0;

// Poseidon Merkle path (circomlib parameters): proves that `leaf` sits under `root`.
// The depth is set by the main component that includes this file.
include "circomlib/circuits/poseidon.circom";

template MerklePath(depth) {
    signal input leaf;
    signal input path[depth];
    signal input index[depth];  // 0: current node is the left child, 1: the right child
    signal output root;

    component hash[depth];
    signal node[depth + 1];
    signal swap[depth];
    node[0] <== leaf;
    for (var i = 0; i < depth; i++) {
        index[i] * (1 - index[i]) === 0;
        swap[i] <== index[i] * (path[i] - node[i]);
        hash[i] = Poseidon(2);
        hash[i].inputs[0] <== node[i] + swap[i];
        hash[i].inputs[1] <== path[i] - swap[i];
        node[i + 1] <== hash[i].out;
    }
    root <== node[depth];
}
