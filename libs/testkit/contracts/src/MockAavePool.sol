// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// A balance-only token standing in for an Aave aToken or variable debt token.
contract MockReserveToken {
    address public immutable pool;
    mapping(address => uint256) public balanceOf;

    constructor() {
        pool = msg.sender;
    }

    function mint(address user, uint256 amount) external {
        require(msg.sender == pool, "only pool");
        balanceOf[user] += amount;
    }

    function burn(address user, uint256 amount) external {
        require(msg.sender == pool, "only pool");
        balanceOf[user] -= amount;
    }
}

/// Emits the Aave v3 Pool events with their real signatures (IPool.sol) and
/// answers getUserAccountData from values the test sets. Not a lending
/// protocol: no interest, no checks beyond balances.
contract MockAavePool {
    event Supply(
        address indexed reserve, address user, address indexed onBehalfOf, uint256 amount, uint16 indexed referralCode
    );
    event Withdraw(address indexed reserve, address indexed user, address indexed to, uint256 amount);
    event Borrow(
        address indexed reserve,
        address user,
        address indexed onBehalfOf,
        uint256 amount,
        uint8 interestRateMode,
        uint256 borrowRate,
        uint16 indexed referralCode
    );
    event Repay(address indexed reserve, address indexed user, address indexed repayer, uint256 amount, bool useATokens);
    event LiquidationCall(
        address indexed collateralAsset,
        address indexed debtAsset,
        address indexed user,
        uint256 debtToCover,
        uint256 liquidatedCollateralAmount,
        address liquidator,
        bool receiveAToken
    );

    struct AccountData {
        uint256 totalCollateralBase;
        uint256 totalDebtBase;
        uint256 availableBorrowsBase;
        uint256 currentLiquidationThreshold;
        uint256 ltv;
        uint256 healthFactor;
    }

    mapping(address => MockReserveToken) public aTokenOf;
    mapping(address => MockReserveToken) public debtTokenOf;
    mapping(address => AccountData) private accounts;

    function initReserve(address asset) external {
        require(address(aTokenOf[asset]) == address(0), "listed");
        aTokenOf[asset] = new MockReserveToken();
        debtTokenOf[asset] = new MockReserveToken();
    }

    function supply(address asset, uint256 amount, address onBehalfOf, uint16 referralCode) external {
        aTokenOf[asset].mint(onBehalfOf, amount);
        emit Supply(asset, msg.sender, onBehalfOf, amount, referralCode);
    }

    function withdraw(address asset, uint256 amount, address to) external returns (uint256) {
        aTokenOf[asset].burn(msg.sender, amount);
        emit Withdraw(asset, msg.sender, to, amount);
        return amount;
    }

    function borrow(address asset, uint256 amount, uint256 interestRateMode, uint16 referralCode, address onBehalfOf)
        external
    {
        debtTokenOf[asset].mint(onBehalfOf, amount);
        emit Borrow(asset, msg.sender, onBehalfOf, amount, uint8(interestRateMode), 3e25, referralCode);
    }

    function repay(address asset, uint256 amount, uint256, address onBehalfOf) external returns (uint256) {
        debtTokenOf[asset].burn(onBehalfOf, amount);
        emit Repay(asset, onBehalfOf, msg.sender, amount, false);
        return amount;
    }

    function liquidationCall(address collateralAsset, address debtAsset, address user, uint256 debtToCover, bool receiveAToken)
        external
    {
        uint256 seized = aTokenOf[collateralAsset].balanceOf(user);
        debtTokenOf[debtAsset].burn(user, debtToCover);
        aTokenOf[collateralAsset].burn(user, seized);
        emit LiquidationCall(collateralAsset, debtAsset, user, debtToCover, seized, msg.sender, receiveAToken);
    }

    function setUserAccountData(address user, AccountData calldata data) external {
        accounts[user] = data;
    }

    function getUserAccountData(address user)
        external
        view
        returns (
            uint256 totalCollateralBase,
            uint256 totalDebtBase,
            uint256 availableBorrowsBase,
            uint256 currentLiquidationThreshold,
            uint256 ltv,
            uint256 healthFactor
        )
    {
        AccountData storage a = accounts[user];
        return (a.totalCollateralBase, a.totalDebtBase, a.availableBorrowsBase, a.currentLiquidationThreshold, a.ltv, a.healthFactor);
    }
}
