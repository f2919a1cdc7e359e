"""Copy-on-write storage: the Merkle tree and CowMap behave like their plain counterparts under copies."""

import pickle

from hypothesis import given, settings
from hypothesis import strategies as st

from circuits.native.cow import BITS, CowMap
from circuits.native.merkle import SparseMerkleTree
from tests.reference.merkle_plain import NaiveTree

key = st.one_of(st.integers(0, 3 << BITS), st.integers(0, 2**40))
op = st.tuples(st.sampled_from(["set", "del", "copy", "switch"]), key, st.integers(0, 5))


@given(st.lists(op, max_size=60))
def test_cowmap_is_a_dict_under_copies(ops):
    maps, dicts, cur = [CowMap()], [{}], 0
    for kind, k, v in ops:
        if kind == "set":
            maps[cur][k], dicts[cur][k] = v, v
        elif kind == "del" and k in dicts[cur]:
            del maps[cur][k], dicts[cur][k]
        elif kind == "copy":
            maps.append(maps[cur].copy())
            dicts.append(dict(dicts[cur]))
        elif kind == "switch":
            cur = v % len(maps)
        for m, d in zip(maps, dicts):  # no write leaks into another copy
            assert dict(m) == d and len(m) == len(d) and (k in m) == (k in d) and m.get(k, -1) == d.get(k, -1)


def test_cowmap_copy_shares_untouched_buckets():
    m = CowMap({i: i for i in range(10 << BITS)})
    c = m.copy()
    c[5] = -1
    assert m[5] == 5 and c[5] == -1
    shared = sum(1 for b in m._buckets if m._buckets[b] is c._buckets[b])
    assert shared == len(m._buckets) - 1  # only the written bucket was cloned


tree_op = st.tuples(
    st.sampled_from(["set", "set", "clear", "copy", "switch"]), st.integers(0, 4**4 - 1), st.integers(1, 2**64)
)


@given(st.lists(tree_op, max_size=25))
@settings(max_examples=15)
def test_tree_copies_are_independent_and_match_a_naive_tree(ops):
    trees, plains, cur = [SparseMerkleTree(4, 4)], [NaiveTree(4, 4)], 0
    for kind, index, value in ops:
        if kind in ("set", "clear"):
            v = value if kind == "set" else 0
            trees[cur].set_leaf(index, v)
            plains[cur].set_leaf(index, v)
        elif kind == "copy":
            trees.append(trees[cur].copy())
            plains.append(plains[cur].copy())
        else:
            cur = value % len(trees)
    for t, p in zip(trees, plains):
        assert t.root == p.root and t.stored_nodes == p.stored_nodes
        for index in {i for _, i, _ in ops}:
            assert t.leaf(index) == p.leaf(index) and t.path(index) == p.path(index)


def test_pickled_trees_and_maps_keep_their_contents_and_stay_independent():
    tree = SparseMerkleTree(3, 4)
    for i in (1, 17, 63):
        tree.set_leaf(i, i * 1000 + 7)
    copy = tree.copy()  # buckets shared with tree
    restored_tree, restored_copy = pickle.loads(pickle.dumps((tree, copy)))
    assert restored_tree.root == restored_copy.root == tree.root
    restored_copy.set_leaf(17, 5)
    assert restored_tree.leaf(17) == 17007 and restored_copy.leaf(17) == 5 and tree.leaf(17) == 17007
    m = CowMap({3: "a", 900: "b"})
    assert pickle.loads(pickle.dumps(m)) == {3: "a", 900: "b"}
