// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title ReceiptAnchor
/// @notice Anchors the Merkle root of each batch of Twinproof inference receipts, so anyone holding a receipt and
/// its inclusion proof can check, against the chain alone, that the batch existed no later than a given block.
/// @dev Every root and every batch id is anchored at most once. A worker that crashed after sending its
/// transaction can therefore retry blindly: the retry reverts instead of anchoring twice, and the views
/// `anchoredAt(root)` and `batchRoot(batchId)` tell it the batch is already on chain.
contract ReceiptAnchor {
    /// @notice Manages the anchorer allow-list; may anchor itself.
    address public owner;

    /// @notice Accounts other than the owner that may anchor (for example a worker's hot key).
    mapping(address account => bool allowed) public isAnchorer;

    /// @notice The block a root was anchored in; 0 for a root never anchored.
    mapping(bytes32 root => uint64 blockNumber) public anchoredAt;

    /// @notice The root anchored for a batch id; zero for a batch id never used.
    mapping(uint256 batchId => bytes32 root) public batchRoot;

    event Anchored(uint256 indexed batchId, bytes32 indexed root, uint32 count, string uri);
    event AnchorerSet(address indexed account, bool allowed);
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

    error NotAuthorized(address caller);
    error ZeroRoot();
    error EmptyBatch();
    error ZeroAddress();
    error RootAlreadyAnchored(bytes32 root, uint64 blockNumber);
    error BatchAlreadyAnchored(uint256 batchId, bytes32 root);

    constructor() {
        owner = msg.sender;
        emit OwnershipTransferred(address(0), msg.sender);
    }

    /// @notice Anchors `root`, the Merkle root of batch `batchId` holding `count` receipts whose tree is at `uri`.
    function anchor(uint256 batchId, bytes32 root, uint32 count, string calldata uri) external {
        if (msg.sender != owner && !isAnchorer[msg.sender]) revert NotAuthorized(msg.sender);
        if (root == bytes32(0)) revert ZeroRoot();
        if (count == 0) revert EmptyBatch();
        uint64 rootBlock = anchoredAt[root];
        if (rootBlock != 0) revert RootAlreadyAnchored(root, rootBlock);
        bytes32 previous = batchRoot[batchId];
        if (previous != bytes32(0)) revert BatchAlreadyAnchored(batchId, previous);

        anchoredAt[root] = uint64(block.number);
        batchRoot[batchId] = root;
        emit Anchored(batchId, root, count, uri);
    }

    function setAnchorer(address account, bool allowed) external {
        if (msg.sender != owner) revert NotAuthorized(msg.sender);
        if (account == address(0)) revert ZeroAddress();
        isAnchorer[account] = allowed;
        emit AnchorerSet(account, allowed);
    }

    function transferOwnership(address newOwner) external {
        if (msg.sender != owner) revert NotAuthorized(msg.sender);
        if (newOwner == address(0)) revert ZeroAddress();
        emit OwnershipTransferred(owner, newOwner);
        owner = newOwner;
    }
}
