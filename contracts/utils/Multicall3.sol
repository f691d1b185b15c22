// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/**
 * @title Multicall3
 * @notice Batches read calls into one `eth_call`. The functions here have the same signatures,
 * selectors and return shapes as the canonical Multicall3 deployed at
 * 0xcA11bde05977b3631167028862bE2a173976CA11 on public chains (https://www.multicall3.com), so
 * off-chain code uses one ABI for both. Only the subset the keeper and the local stack need is
 * implemented; it is deployed by the local stack and the tests.
 */
contract Multicall3 {
    struct Call3 {
        address target;
        bool allowFailure;
        bytes callData;
    }

    struct Result {
        bool success;
        bytes returnData;
    }

    /// @notice A call with `allowFailure == false` reverted; `index` is its position in the batch.
    error Multicall3CallFailed(uint256 index, bytes returnData);

    /// @notice Makes every call in order; a failing call either reverts the batch or is reported.
    /// @dev Not payable and never forwards value: read batches only.
    function aggregate3(Call3[] calldata calls) external returns (Result[] memory returnData) {
        uint256 length = calls.length;
        returnData = new Result[](length);
        for (uint256 i = 0; i < length; ++i) {
            Call3 calldata call = calls[i];
            (bool success, bytes memory data) = call.target.call(call.callData);
            if (!success && !call.allowFailure) revert Multicall3CallFailed(i, data);
            returnData[i] = Result(success, data);
        }
    }

    /// @notice The native balance of `addr` (the keeper reads its own key's gas balance).
    function getEthBalance(address addr) external view returns (uint256 balance) {
        balance = addr.balance;
    }

    function getBlockNumber() external view returns (uint256 blockNumber) {
        blockNumber = block.number;
    }

    function getCurrentBlockTimestamp() external view returns (uint256 timestamp) {
        timestamp = block.timestamp;
    }

    function getBasefee() external view returns (uint256 basefee) {
        basefee = block.basefee;
    }

    function getChainId() external view returns (uint256 chainid) {
        chainid = block.chainid;
    }

    /// @notice Hash of block `blockNumber` (zero for the current block and beyond the last 256).
    function getBlockHash(uint256 blockNumber) external view returns (bytes32 blockHash) {
        blockHash = blockhash(blockNumber);
    }

    /// @notice Hash of the block before this one; a changed value at one height means a new chain.
    function getLastBlockHash() external view returns (bytes32 blockHash) {
        unchecked {
            blockHash = blockhash(block.number - 1);
        }
    }
}
