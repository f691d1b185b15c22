// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC4626} from "@openzeppelin/contracts/token/ERC20/extensions/ERC4626.sol";

/// @notice Test-only: OpenZeppelin's ERC-4626 with nothing added, the gas baseline the vault's
/// deposit and idle-redeem costs are compared with.
contract PlainERC4626 is ERC4626 {
    constructor(IERC20 asset_) ERC4626(asset_) ERC20("Plain vault", "PLAIN") {}
}
