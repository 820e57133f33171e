// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

interface IRoundSource {
    function decimals() external view returns (uint8);
    function latestRoundData()
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound);
}

/// A Chainlink-style feed proxy for tests and the demo: reads forward to the
/// current aggregator, which the owner replaces in two steps with the
/// proxy's AggregatorProposed / AggregatorConfirmed events (round ids are
/// forwarded as they are, without the phase id of Chainlink's proxies).
contract MockAggregatorProxy {
    event AggregatorProposed(address indexed current, address indexed proposed);
    event AggregatorConfirmed(address indexed previous, address indexed latest);

    address public owner;
    address public aggregator;
    address public proposedAggregator;

    constructor(address aggregator_) {
        owner = msg.sender;
        aggregator = aggregator_;
    }

    function proposeAggregator(address proposed) external {
        require(msg.sender == owner, "only owner");
        proposedAggregator = proposed;
        emit AggregatorProposed(aggregator, proposed);
    }

    function confirmAggregator(address proposed) external {
        require(msg.sender == owner, "only owner");
        require(proposed == proposedAggregator, "invalid proposed aggregator");
        address previous = aggregator;
        aggregator = proposed;
        proposedAggregator = address(0);
        emit AggregatorConfirmed(previous, proposed);
    }

    function decimals() external view returns (uint8) {
        return IRoundSource(aggregator).decimals();
    }

    function latestRoundData()
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
    {
        return IRoundSource(aggregator).latestRoundData();
    }
}
