// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// A minimal options venue for tests and the demo: each holder reports the
/// state of its position in a series (European call or put on the series'
/// underlying), and the vault emits it, the way an options venue's position
/// events carry the full state after every change.
contract MockOptionsVault {
    event OptionPosition(
        address indexed holder,
        bytes32 series,
        bool isCall,
        bool written,
        uint256 strike,
        uint64 expiry,
        uint256 contracts,
        uint256 iv
    );

    /// strike: 8 decimals; contracts: 18 decimals; iv: annualised, 4 decimals (6500 = 0.65).
    function setPosition(
        bytes32 series,
        bool isCall,
        bool written,
        uint256 strike,
        uint64 expiry,
        uint256 contracts,
        uint256 iv
    ) external {
        require(strike > 0, "strike");
        emit OptionPosition(msg.sender, series, isCall, written, strike, expiry, contracts, iv);
    }
}
