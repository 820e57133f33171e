// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// A Chainlink-style price feed for tests and the demo: the AggregatorV3Interface
/// reads plus the AnswerUpdated/NewRound events of Chainlink's aggregators.
/// Also serves as an L2 sequencer-uptime feed (answer 0 = up, 1 = down;
/// startedAt = when the status last changed). Like an OCR aggregator it has
/// answer bounds (minAnswer, maxAnswer): an answer outside them is refused.
contract MockAggregator {
    event AnswerUpdated(int256 indexed current, uint256 indexed roundId, uint256 updatedAt);
    event NewRound(uint256 indexed roundId, address indexed startedBy, uint256 startedAt);

    struct Round {
        int256 answer;
        uint256 startedAt;
        uint256 updatedAt;
    }

    uint8 public immutable decimals;
    string public description;
    uint256 public constant version = 4;
    address public owner;
    uint80 public latestRound;
    int192 public minAnswer = 0;
    int192 public maxAnswer = type(int192).max;
    mapping(uint80 => Round) private rounds;

    constructor(uint8 decimals_, string memory description_, int256 initialAnswer) {
        decimals = decimals_;
        description = description_;
        owner = msg.sender;
        _update(initialAnswer);
    }

    function updateAnswer(int256 answer) external {
        require(msg.sender == owner, "only owner");
        require(answer >= minAnswer && answer <= maxAnswer, "answer out of min-max range");
        _update(answer);
    }

    /// A round whose startedAt is given: an L2 sequencer-uptime feed dates a
    /// status change by when it happened (on L1), which the L2 learns later.
    function updateAnswerStartedAt(int256 answer, uint256 startedAt) external {
        require(msg.sender == owner, "only owner");
        latestRound += 1;
        rounds[latestRound] = Round(answer, startedAt, block.timestamp);
        emit NewRound(latestRound, msg.sender, startedAt);
        emit AnswerUpdated(answer, latestRound, block.timestamp);
    }

    function setBounds(int192 min, int192 max) external {
        require(msg.sender == owner, "only owner");
        minAnswer = min;
        maxAnswer = max;
    }

    function _update(int256 answer) private {
        latestRound += 1;
        Round storage previous = rounds[latestRound - 1];
        // a sequencer feed keeps startedAt while its status does not change
        uint256 startedAt = (latestRound > 1 && previous.answer == answer) ? previous.startedAt : block.timestamp;
        rounds[latestRound] = Round(answer, startedAt, block.timestamp);
        emit NewRound(latestRound, msg.sender, startedAt);
        emit AnswerUpdated(answer, latestRound, block.timestamp);
    }

    function latestAnswer() external view returns (int256) {
        return rounds[latestRound].answer;
    }

    function getRoundData(uint80 roundId)
        public
        view
        returns (uint80, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
    {
        Round storage r = rounds[roundId];
        require(r.updatedAt != 0, "No data present");
        return (roundId, r.answer, r.startedAt, r.updatedAt, roundId);
    }

    function latestRoundData()
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
    {
        return getRoundData(latestRound);
    }
}
