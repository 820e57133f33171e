// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

interface IPriceFeed {
    function decimals() external view returns (uint8);
    function latestRoundData() external view returns (uint80, int256, uint256, uint256, uint80);
}

/// Breakwater's reference perpetuals venue, for tests and the demo. Isolated
/// margin, one position per (trader, market), priced by a Chainlink-style feed.
/// Every event carries the position's full state after the change (sizes and
/// prices with 18 decimals, collateral in the quote asset with 18 decimals),
/// so a consumer never needs the history to know a position.
contract PerpVenue {
    struct Position {
        bool isLong;
        uint256 size;
        uint256 collateral;
        uint256 entryPrice;
    }

    event PositionOpened(
        address indexed trader, bytes32 indexed market, bool isLong, uint256 size, uint256 collateral,
        uint256 entryPrice, uint256 liquidationPrice
    );
    event PositionIncreased(
        address indexed trader, bytes32 indexed market, bool isLong, uint256 size, uint256 collateral,
        uint256 entryPrice, uint256 liquidationPrice
    );
    event PositionDecreased(
        address indexed trader, bytes32 indexed market, bool isLong, uint256 size, uint256 collateral,
        uint256 entryPrice, uint256 liquidationPrice
    );
    event PositionLiquidated(
        address indexed trader, bytes32 indexed market, bool isLong, uint256 size, uint256 collateral,
        uint256 entryPrice, address liquidator, uint256 markPrice
    );
    event MarketListed(bytes32 indexed market, address feed);

    /// Maintenance margin: 0.5% of notional.
    uint256 public constant MAINTENANCE_BPS = 50;
    uint256 private constant ONE = 1e18;

    mapping(bytes32 => IPriceFeed) public feeds;
    mapping(address => mapping(bytes32 => Position)) public positions;
    address public owner;

    constructor() {
        owner = msg.sender;
    }

    function listMarket(bytes32 market, IPriceFeed feed) external {
        require(msg.sender == owner, "only owner");
        feeds[market] = feed;
        emit MarketListed(market, address(feed));
    }

    /// The feed's latest answer with 18 decimals.
    function markPrice(bytes32 market) public view returns (uint256) {
        IPriceFeed feed = feeds[market];
        require(address(feed) != address(0), "unknown market");
        (, int256 answer,,,) = feed.latestRoundData();
        require(answer > 0, "bad price");
        return uint256(answer) * 10 ** (18 - feed.decimals());
    }

    function liquidationPrice(Position memory p) public pure returns (uint256) {
        if (p.size == 0) return 0;
        uint256 notional = (p.size * p.entryPrice) / ONE;
        uint256 maintenance = (notional * MAINTENANCE_BPS) / 10_000;
        if (p.collateral <= maintenance) return p.entryPrice;
        uint256 move = ((p.collateral - maintenance) * ONE) / p.size;
        if (p.isLong) return move >= p.entryPrice ? 0 : p.entryPrice - move;
        return p.entryPrice + move;
    }

    function open(bytes32 market, bool isLong, uint256 size, uint256 collateral) external {
        require(positions[msg.sender][market].size == 0, "position exists");
        require(size > 0 && collateral > 0, "empty position");
        Position memory p = Position(isLong, size, collateral, markPrice(market));
        positions[msg.sender][market] = p;
        emit PositionOpened(msg.sender, market, isLong, size, collateral, p.entryPrice, liquidationPrice(p));
    }

    function increase(bytes32 market, uint256 addSize, uint256 addCollateral) external {
        Position memory p = positions[msg.sender][market];
        require(p.size > 0, "no position");
        uint256 price = markPrice(market);
        uint256 newSize = p.size + addSize;
        p.entryPrice = (p.size * p.entryPrice + addSize * price) / newSize;
        p.size = newSize;
        p.collateral += addCollateral;
        positions[msg.sender][market] = p;
        emit PositionIncreased(msg.sender, market, p.isLong, p.size, p.collateral, p.entryPrice, liquidationPrice(p));
    }

    /// Reduces the size and withdraws collateral; size 0 closes the position.
    function decrease(bytes32 market, uint256 removeSize, uint256 removeCollateral) external {
        Position memory p = positions[msg.sender][market];
        require(p.size >= removeSize && p.collateral >= removeCollateral, "too much");
        p.size -= removeSize;
        p.collateral = p.size == 0 ? 0 : p.collateral - removeCollateral;
        if (p.size == 0) p.entryPrice = 0;
        positions[msg.sender][market] = p;
        emit PositionDecreased(msg.sender, market, p.isLong, p.size, p.collateral, p.entryPrice, liquidationPrice(p));
    }

    /// Anyone may liquidate a position whose mark price crossed its liquidation price.
    function liquidate(address trader, bytes32 market) external {
        Position memory p = positions[trader][market];
        require(p.size > 0, "no position");
        uint256 price = markPrice(market);
        uint256 liq = liquidationPrice(p);
        require(p.isLong ? price <= liq : price >= liq, "not liquidatable");
        delete positions[trader][market];
        emit PositionLiquidated(trader, market, p.isLong, p.size, p.collateral, p.entryPrice, msg.sender, price);
    }
}
