// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

interface IGroth16Verifier {
    function verifyProof(uint256[2] calldata a, uint256[2][2] calldata b, uint256[2] calldata c, uint256[1] calldata input)
        external
        view
        returns (bool);
}

interface IPoseidonT5 {
    function hash(uint256[4] calldata inputs) external view returns (uint256);
}

interface IERC20 {
    function transferFrom(address from, address to, uint256 amount) external returns (bool);
    function transfer(address to, uint256 amount) external returns (bool);
    function balanceOf(address who) external view returns (uint256);
}

/// The zkdx rollup: accepts a new state root only with a valid batch proof.
///
/// Public input of a batch (circuits/ledger/state.py):
///   sha256(Poseidon(oldRoot, newRoot, queueHead[consumed], queueHead[consumed + k]) ‖ data) mod 2^253,
/// where data = version ‖ batch time (5 bytes) ‖ BATCH_SIZE records of 20 bytes and k counts its
/// deposit and forced-exit records.  The batch time is the ledger clock the batch starts from (the
/// circuit: not before the previous ledger time); it may not be after block.timestamp nor more than
/// maxBatchLag before it, so the ledger clock, and with it the age of every price a margin check
/// reads (at most max_price_age behind the clock), follows L1 time.
/// A record (circuits/ledger/records.py) is type (4 bits) | market (4) | a (24) | b (24) | amount (64) | price (40).
/// The L1 queue is a Poseidon hash chain: head' = Poseidon(head, kind + account·2^8 + amount·2^32, pk.x, pk.y).
/// The state root is Poseidon(accountsRoot, marketsHash, domain, paramsDigest) with
/// domain = keccak256(chain id, this address) mod r: L2 signatures cover the domain, so they
/// cannot be replayed on another deployment.
contract Rollup {
    uint256 constant R = 21888242871839275222246405745257275088548364400416034343698204186575808495617;
    uint256 constant MASK = (1 << 253) - 1;
    uint8 constant VERSION = 4;
    uint8 constant DEPOSIT = 1;
    uint8 constant WITHDRAW = 2;
    uint8 constant ORACLE = 5;
    uint8 constant FORCED_EXIT = 7;
    uint8 constant DEPOSIT_REFUND = 8;
    uint8 constant FORCED_CLOSE = 9;
    uint256 constant RECORD = 20;
    uint256 constant HEAD = 6; // version and batch time, before the records
    uint256 constant MAX_DEPOSIT = 2 ** 63;

    IGroth16Verifier public immutable verifier;
    IGroth16Verifier public immutable exitVerifier;
    IPoseidonT5 public immutable poseidon;
    IERC20 public immutable token;
    address public immutable operator;
    uint256 public immutable batchSize;
    uint256 public immutable numAccounts;
    uint256 public immutable forcedExitDelay;
    uint256 public immutable maxPause;
    uint256 public immutable pauseCooldown;
    uint256 public immutable guardianThreshold;
    uint256 public immutable voteWindow;
    uint256 public immutable registrationFee;
    uint256 public immutable queueItemDelay;
    uint256 public immutable exitSlots; // slots a forced exit may take: a close a market and its own
    uint256 public immutable maxBatchLag; // s a batch time may trail block.timestamp (0: unchecked, dev chains)
    uint256 public immutable domain;

    uint256 public stateRoot;
    uint256 public batchCount;
    bool public frozen;

    // accounts registered on L1: the owner receives withdrawals; the key is the L2 signing key
    uint256 public nextAccount;
    mapping(uint256 => address) public ownerOf;
    mapping(uint256 => uint256[2]) internal keyOf;

    // L1 queue of deposits and forced-exit requests
    uint256 public queueLength;
    uint256 public queueConsumed;
    mapping(uint256 => uint256) public queueHeadAt; // head after the first n items; queueHeadAt[0] = 0
    mapping(uint256 => uint256) public forcedExitDeadline; // queue index -> deadline (forced exits only)
    mapping(uint256 => uint256) public pausedBefore; // queue index -> paused time credited before the request
    mapping(uint256 => uint256) public queuedDeposit; // queue index -> depositor << 64 | amount, until consumed
    mapping(uint256 => uint256) public pendingForcedExit; // account -> queue index + 1 while one is queued
    uint256 public queuedDeposits; // sum of deposits queued and not consumed, refunded or reclaimed
    uint256 public queuedExits; // forced exits queued and not consumed

    mapping(address => uint256) public claimable; // credited withdrawals (pull pattern)
    mapping(uint256 => bool) public escaped;

    // guardian pause: k of n votes within voteWindow pause batch submission for maxPause seconds
    mapping(address => bool) public isGuardian;
    address[] public guardians;
    mapping(address => uint256) public votedAt; // a guardian's latest vote
    uint256 public pausedUntil;
    uint256 public pausedTotal;
    uint256 public pauseStarted; // votes cast before it no longer count

    uint256 private locked = 1;

    event AccountRegistered(uint256 indexed account, address indexed owner, uint256 pkX, uint256 pkY);
    event QueueItem(uint256 indexed index, uint8 kind, uint256 indexed account, uint256 amount, uint256 head);
    event BatchAccepted(uint256 indexed batch, uint256 oldRoot, uint256 newRoot, uint256 queueConsumed, bytes data);
    event WithdrawalCredited(uint256 indexed account, address indexed owner, uint256 amount);
    event Claimed(address indexed owner, uint256 amount);
    event Frozen(uint256 queueIndex);
    event Escaped(uint256 indexed account, address indexed owner, uint256 amount);
    event PauseVote(address indexed guardian, uint256 votes);
    event DepositRefunded(uint256 indexed queueIndex, address indexed depositor, uint256 amount);
    event Paused(uint256 until);

    error NotOperator();
    error NotOwner();
    error NotGuardian();
    error IsFrozen();
    error NotFrozen();
    error IsPaused();
    error BadData(string why);
    error InvalidProof();
    error QueueShort();
    error NotOverdue();
    error Reentrant();
    error BadKey();
    error BadAmount();
    error AlreadyEscaped();
    error PauseUnavailable();
    error TransferFailed();
    error ExitPending();
    error NothingToRefund();
    error BatchTime(uint256 batchTime);
    error NotExiting(uint256 account);

    modifier nonReentrant() {
        if (locked != 1) revert Reentrant();
        locked = 2;
        _;
        locked = 1;
    }

    constructor(
        IGroth16Verifier verifier_,
        IGroth16Verifier exitVerifier_,
        IPoseidonT5 poseidon_,
        IERC20 token_,
        address operator_,
        uint256[10] memory config, // batchSize, numAccounts, forcedExitDelay, maxPause, pauseCooldown, voteWindow, registrationFee, queueItemDelay, maxBatchLag, exitSlots
        uint256[3] memory genesis, // accountsRoot, marketsHash, paramsDigest
        address[] memory guardians_,
        uint256 threshold
    ) {
        require(threshold > 0 && threshold <= guardians_.length && guardians_.length <= 32, "threshold");
        // times (delays, pause, cooldown, vote window, item delay) below 2^40 s: deadline sums cannot overflow
        require(config[2] < 2 ** 40 && config[3] < 2 ** 40 && config[4] < 2 ** 40, "timing");
        require(config[5] < 2 ** 40 && config[7] < 2 ** 40 && config[8] < 2 ** 40, "timing");
        verifier = verifier_;
        exitVerifier = exitVerifier_;
        poseidon = poseidon_;
        token = token_;
        operator = operator_;
        (batchSize, numAccounts, forcedExitDelay, maxPause, pauseCooldown) =
            (config[0], config[1], config[2], config[3], config[4]);
        (voteWindow, registrationFee, queueItemDelay, maxBatchLag) = (config[5], config[6], config[7], config[8]);
        require(config[9] >= 1 && config[9] <= 16, "exit slots");
        exitSlots = config[9];
        uint256 d = uint256(keccak256(abi.encode(block.chainid, address(this)))) % R;
        domain = d;
        stateRoot = poseidon_.hash([genesis[0], genesis[1], d, genesis[2]]);
        for (uint256 i = 0; i < guardians_.length; i++) {
            require(!isGuardian[guardians_[i]], "duplicate guardian");
            isGuardian[guardians_[i]] = true;
        }
        guardians = guardians_;
        guardianThreshold = threshold;
    }

    // ---- accounts and the L1 queue ----------------------------------------------

    /// Register an L2 account (its Baby Jubjub key) owned by the caller, for registrationFee in the
    /// collateral token (credited to the operator): filling the tree costs numAccounts - 1 fees (the
    /// last index is the operator's backstop account).
    function register(uint256 pkX, uint256 pkY) external nonReentrant returns (uint256 account) {
        account = nextAccount++;
        require(account < numAccounts - 1, "tree full");
        if (registrationFee > 0) {
            claimable[operator] += _pull(registrationFee);
        }
        _register(account, msg.sender, pkX, pkY);
    }

    /// The operator's backstop account, index numAccounts - 1: a forced close may move an exiting
    /// account's position into it at the oracle price (the circuit lets no other account take a
    /// position it does not already hold the opposite of), so serving an exit never waits on others.
    function registerBackstop(uint256 pkX, uint256 pkY) external {
        if (msg.sender != operator) revert NotOperator();
        if (ownerOf[numAccounts - 1] != address(0)) revert BadKey();
        _register(numAccounts - 1, msg.sender, pkX, pkY);
    }

    function _register(uint256 account, address owner, uint256 pkX, uint256 pkY) private {
        if (pkX >= R || pkY >= R || (pkX == 0 && pkY == 0)) revert BadKey();
        ownerOf[account] = owner;
        keyOf[account] = [pkX, pkY];
        emit AccountRegistered(account, owner, pkX, pkY);
    }

    function keyOfAccount(uint256 account) external view returns (uint256, uint256) {
        return (keyOf[account][0], keyOf[account][1]);
    }

    /// Deposit collateral to a registered account (anyone may pay, but only the operator its backstop).  The amount queued is what
    /// arrived (a fee-on-transfer token delivers less than was sent).
    function deposit(uint256 account, uint256 amount) external nonReentrant {
        if (frozen) revert IsFrozen();
        if (ownerOf[account] == address(0)) revert NotOwner();
        // only the operator funds its backstop: a gift could park it at the top of its range
        if (account == numAccounts - 1 && msg.sender != operator) revert NotOperator();
        if (amount == 0 || amount >= MAX_DEPOSIT) revert BadAmount();
        uint256 received = _pull(amount);
        if (received == 0 || received >= MAX_DEPOSIT) revert BadAmount(); // what arrived must fit the ledger
        queuedDeposit[queueLength] = (uint256(uint160(msg.sender)) << 64) | received;
        queuedDeposits += received;
        _enqueue(DEPOSIT, account, received, keyOf[account][0], keyOf[account][1]);
    }

    function _pull(uint256 amount) private returns (uint256 received) {
        uint256 before = token.balanceOf(address(this));
        if (!token.transferFrom(msg.sender, address(this), amount)) revert TransferFailed();
        received = token.balanceOf(address(this)) - before;
    }

    /// The owner asks to leave: the operator must include it within forcedExitDelay plus queueItemDelay
    /// for every slot the queue items ahead of it may take (a deposit one; a forced exit exitSlots: a
    /// close a market, into the backstop, and itself), so spamming the queue only delays the deadline
    /// and cannot outrun the prover; paused time not counted (the rest of a pause under way included).
    /// One request per account at a time, so the queue holds at most one per registered account.
    function requestForcedExit(uint256 account) external {
        if (frozen) revert IsFrozen();
        if (ownerOf[account] != msg.sender) revert NotOwner();
        if (pendingForcedExit[account] != 0) revert ExitPending();
        uint256 remaining = block.timestamp < pausedUntil ? pausedUntil - block.timestamp : 0;
        uint256 ahead = queueLength - queueConsumed + queuedExits * (exitSlots - 1); // slots, not items
        forcedExitDeadline[queueLength] = block.timestamp + forcedExitDelay + ahead * queueItemDelay;
        queuedExits += 1;
        pausedBefore[queueLength] = pausedTotal - remaining;
        pendingForcedExit[account] = queueLength + 1;
        _enqueue(FORCED_EXIT, account, 0, 0, 0);
    }

    function _enqueue(uint8 kind, uint256 account, uint256 amount, uint256 pkX, uint256 pkY) private {
        uint256 packed = uint256(kind) + (account << 8) + (amount << 32);
        uint256 head = poseidon.hash([queueHeadAt[queueLength], packed, pkX, pkY]);
        queueLength += 1;
        queueHeadAt[queueLength] = head;
        emit QueueItem(queueLength - 1, kind, account, amount, head);
    }

    // ---- batches ----------------------------------------------------------------

    /// Accept newRoot if proof shows the batch `data` moves stateRoot to it.
    function submitBatch(uint256 newRoot, bytes calldata data, uint256[8] calldata proof) external {
        if (msg.sender != operator) revert NotOperator();
        if (frozen) revert IsFrozen();
        if (block.timestamp < pausedUntil) revert IsPaused();
        (uint256 input, uint256 k) = batchPublicInput(newRoot, data);
        _checkBatchTime(data);
        uint256 consumed = queueConsumed;
        bool ok = verifier.verifyProof(
            [proof[0], proof[1]], [[proof[2], proof[3]], [proof[4], proof[5]]], [proof[6], proof[7]], [input]
        );
        if (!ok) revert InvalidProof();
        emit BatchAccepted(batchCount, stateRoot, newRoot, consumed + k, data);
        stateRoot = newRoot;
        batchCount += 1;
        queueConsumed = consumed + k;
        _settle(data, consumed);
    }

    /// The public input a proof of this batch must have on top of the current state, and the
    /// number of queue items it consumes (circuits/ledger/state.py defines the same).
    function batchPublicInput(uint256 newRoot, bytes calldata data) public view returns (uint256 input, uint256 k) {
        if (newRoot >= R) revert BadData("root");
        k = _countQueued(data);
        uint256 consumed = queueConsumed;
        if (consumed + k > queueLength) revert QueueShort();
        uint256 header = poseidon.hash([stateRoot, newRoot, queueHeadAt[consumed], queueHeadAt[consumed + k]]);
        input = uint256(sha256(abi.encodePacked(header, data))) & MASK;
    }

    /// The batch time (data[1:6], checked for length by _countQueued) is not after this block and,
    /// when maxBatchLag is set, at most maxBatchLag seconds before it; no oracle tick in the batch is
    /// timed after this block either (a clock run ahead of L1 would leave no batch time to follow it).
    function _checkBatchTime(bytes calldata data) private view {
        uint256 t = uint40(bytes5(data[1:HEAD]));
        if (t > block.timestamp || (maxBatchLag != 0 && block.timestamp - t > maxBatchLag)) revert BatchTime(t);
        for (uint256 off = HEAD; off < data.length; off += RECORD) {
            if (uint8(data[off]) >> 4 != ORACLE) continue;
            uint256 stamp = uint64(bytes8(data[off + 7:off + 15]));
            if (stamp > block.timestamp) revert BatchTime(stamp);
        }
    }

    function _countQueued(bytes calldata data) private view returns (uint256 k) {
        if (data.length != HEAD + RECORD * batchSize) revert BadData("length");
        if (uint8(data[0]) != VERSION) revert BadData("version");
        for (uint256 off = HEAD; off < data.length; off += RECORD) {
            uint8 kind = uint8(data[off]) >> 4;
            if (kind == DEPOSIT || kind == FORCED_EXIT || kind == DEPOSIT_REFUND) k += 1;
        }
    }

    /// Effects of an accepted batch on L1, record by record: withdrawals and forced exits are
    /// credited to the account's owner; queued items are released (a refused deposit is credited
    /// back to its depositor).  A forced close (the proof shows it closes part of a position at the
    /// oracle price against an opposite one) is only for the account whose forced exit is the next
    /// queue item at that point of the batch: the operator cannot close anyone else's position.
    function _settle(bytes calldata data, uint256 index) private {
        for (uint256 off = HEAD; off < data.length; off += RECORD) {
            uint8 kind = uint8(data[off]) >> 4;
            uint256 account = uint24(bytes3(data[off + 1:off + 4]));
            if (kind == DEPOSIT || kind == DEPOSIT_REFUND) {
                _release(index++, kind == DEPOSIT_REFUND);
                continue;
            }
            if (kind == FORCED_CLOSE) {
                if (pendingForcedExit[account] != index + 1) revert NotExiting(account);
                continue;
            }
            if (kind == FORCED_EXIT) {
                delete pendingForcedExit[account];
                queuedExits -= 1;
                index++;
            }
            if (kind != WITHDRAW && kind != FORCED_EXIT) continue;
            uint256 amount = uint64(bytes8(data[off + 7:off + 15]));
            if (amount == 0) continue;
            address owner = ownerOf[account];
            claimable[owner] += amount;
            emit WithdrawalCredited(account, owner, amount);
        }
    }

    /// A queued deposit leaves the queue: applied on L2, or refunded to its depositor.
    function _release(uint256 index, bool refund) private {
        uint256 item = queuedDeposit[index];
        uint256 amount = uint64(item);
        delete queuedDeposit[index];
        queuedDeposits -= amount;
        if (refund) {
            address depositor = address(uint160(item >> 64));
            claimable[depositor] += amount;
            emit DepositRefunded(index, depositor, amount);
        }
    }

    /// Withdraw everything credited to the caller.
    function claim() external nonReentrant {
        uint256 amount = claimable[msg.sender];
        if (amount == 0) revert BadAmount();
        claimable[msg.sender] = 0;
        if (!token.transfer(msg.sender, amount)) revert TransferFailed();
        emit Claimed(msg.sender, amount);
    }

    // ---- freeze and escape --------------------------------------------------------

    /// Anyone may freeze the rollup once a forced exit is overdue (time paused does not count).
    function freeze(uint256 queueIndex) external {
        if (frozen) revert IsFrozen();
        uint256 deadline = forcedExitDeadline[queueIndex];
        if (deadline == 0 || queueIndex < queueConsumed || block.timestamp < pausedUntil) revert NotOverdue();
        if (block.timestamp <= deadline + (pausedTotal - pausedBefore[queueIndex])) revert NotOverdue();
        frozen = true;
        emit Frozen(queueIndex);
    }

    /// Once frozen, a deposit still in the queue goes back to its depositor (credited, then claimed).
    function reclaimDeposit(uint256 queueIndex) external {
        if (!frozen) revert NotFrozen();
        if (queueIndex < queueConsumed || queuedDeposit[queueIndex] == 0) revert NothingToRefund();
        _release(queueIndex, true);
    }

    /// Once frozen: pay an account's value under the last accepted root, proven by an exit proof
    /// whose public input is sha256(stateRoot ‖ account ‖ amount) mod 2^253.
    function escape(uint256 account, uint256 amount, uint256[8] calldata proof) external nonReentrant {
        if (!frozen) revert NotFrozen();
        if (escaped[account]) revert AlreadyEscaped();
        uint256 input = uint256(sha256(abi.encodePacked(stateRoot, account, amount))) & MASK;
        bool ok = exitVerifier.verifyProof(
            [proof[0], proof[1]], [[proof[2], proof[3]], [proof[4], proof[5]]], [proof[6], proof[7]], [input]
        );
        if (!ok) revert InvalidProof();
        escaped[account] = true;
        address owner = ownerOf[account];
        if (amount > 0 && !token.transfer(owner, amount)) revert TransferFailed();
        emit Escaped(account, owner, amount);
    }

    // ---- guardian pause -------------------------------------------------------------

    /// A guardian's vote to pause batch submission.  A vote counts for voteWindow seconds and not across
    /// a pause; at threshold votes the pause starts, lasts maxPause seconds and ends on its own; the next
    /// one cannot start within pauseCooldown.
    function votePause() external {
        if (!isGuardian[msg.sender]) revert NotGuardian();
        if (pausedUntil != 0 && block.timestamp < pausedUntil + pauseCooldown) revert PauseUnavailable();
        votedAt[msg.sender] = block.timestamp;
        uint256 votes = pauseVotes();
        emit PauseVote(msg.sender, votes);
        if (votes >= guardianThreshold) {
            pausedUntil = block.timestamp + maxPause;
            pausedTotal += maxPause;
            pauseStarted = block.timestamp;
            emit Paused(pausedUntil);
        }
    }

    /// Guardians whose latest vote is within voteWindow and after the last pause started.
    function pauseVotes() public view returns (uint256 votes) {
        for (uint256 i = 0; i < guardians.length; i++) {
            uint256 t = votedAt[guardians[i]];
            if (t != 0 && t + voteWindow >= block.timestamp && (pauseStarted == 0 || t > pauseStarted)) votes++;
        }
    }

    function paused() external view returns (bool) {
        return block.timestamp < pausedUntil;
    }
}
