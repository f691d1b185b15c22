// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AutomationForwarder} from "@chainlink/contracts/src/v0.8/automation/AutomationForwarder.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

interface IUpkeepTarget {
    function checkUpkeep(bytes calldata checkData) external view returns (bool upkeepNeeded, bytes memory performData);
}

/**
 * @title AutomationRegistryDouble
 * @notice TEST DOUBLE of Chainlink Automation's registrar and registry 2.1, for local chains where
 * Chainlink's own (solc 0.8.16) cannot be built: `registerUpkeep` and its events with the
 * AutomationRegistrar 2.1 ABI, `getForwarder` with the registry's, and for each upkeep Chainlink's
 * real `AutomationForwarder`, through which `performUpkeep` reaches the target exactly as the
 * node network's reports do (`forward(gasLimit, performUpkeep(performData))`).
 */
contract AutomationRegistryDouble {
    using SafeERC20 for IERC20;

    /// @dev AutomationRegistrar2_1.RegistrationParams, field for field.
    struct RegistrationParams {
        string name;
        bytes encryptedEmail;
        address upkeepContract;
        uint32 gasLimit;
        address adminAddress;
        uint8 triggerType;
        bytes checkData;
        bytes triggerConfig;
        bytes offchainConfig;
        uint96 amount;
    }

    struct Upkeep {
        address target;
        AutomationForwarder forwarder;
        uint32 gasLimit;
        uint96 balance;
        bytes checkData;
    }

    string public constant typeAndVersion = "AutomationRegistrar 2.1.0";
    IERC20 public immutable link;
    address public immutable forwarderLogic;
    uint96 public immutable minLinkJuels;
    Upkeep[] private _upkeeps;

    event RegistrationApproved(bytes32 indexed hash, string displayName, uint256 indexed upkeepId);
    event UpkeepRegistered(uint256 indexed id, uint32 performGas, address admin);
    event UpkeepPerformed(uint256 indexed id, bool success);

    error InsufficientPayment();
    error OnlyConditionalUpkeeps(uint8 triggerType);
    error UpkeepNotNeeded(uint256 id);

    constructor(IERC20 linkToken, address logic, uint96 minJuels) {
        link = linkToken;
        forwarderLogic = logic;
        minLinkJuels = minJuels;
    }

    function registerUpkeep(RegistrationParams calldata p) external returns (uint256 id) {
        if (p.amount < minLinkJuels) revert InsufficientPayment();
        if (p.triggerType != 0) revert OnlyConditionalUpkeeps(p.triggerType);
        link.safeTransferFrom(msg.sender, address(this), p.amount);
        id = _upkeeps.length;
        AutomationForwarder forwarder = new AutomationForwarder(p.upkeepContract, address(this), forwarderLogic);
        _upkeeps.push(Upkeep(p.upkeepContract, forwarder, p.gasLimit, p.amount, p.checkData));
        emit UpkeepRegistered(id, p.gasLimit, p.adminAddress);
        emit RegistrationApproved(keccak256(abi.encode(p)), p.name, id);
    }

    function getForwarder(uint256 id) external view returns (address) {
        return address(_upkeeps[id].forwarder);
    }

    /// @notice What the node network does: simulate `checkUpkeep`, then perform through the forwarder.
    function performUpkeep(uint256 id) external returns (bool success) {
        Upkeep storage u = _upkeeps[id];
        (bool needed, bytes memory performData) = IUpkeepTarget(u.target).checkUpkeep(u.checkData);
        if (!needed) revert UpkeepNotNeeded(id);
        (success, ) = u.forwarder.forward(u.gasLimit, abi.encodeWithSignature("performUpkeep(bytes)", performData));
        emit UpkeepPerformed(id, success);
    }
}
