// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

interface IAnswer {
    function latestAnswer() external view returns (int256);
}

/// A balance-only token standing in for an Aave aToken (transferable: emits
/// the aToken's BalanceTransfer) or variable debt token. The liquidity index
/// stays at 1 ray, so scaled and actual amounts are the same.
contract MockReserveToken {
    event Transfer(address indexed from, address indexed to, uint256 value);
    event BalanceTransfer(address indexed from, address indexed to, uint256 value, uint256 index);

    MockAavePool public immutable pool;
    address public immutable underlying;
    mapping(address => uint256) public balanceOf;

    constructor(address asset) {
        pool = MockAavePool(msg.sender);
        underlying = asset;
    }

    modifier onlyPool() {
        require(msg.sender == address(pool), "only pool");
        _;
    }

    function mint(address user, uint256 amount) external onlyPool {
        balanceOf[user] += amount;
    }

    function burn(address user, uint256 amount) external onlyPool {
        balanceOf[user] -= amount;
    }

    /// An aToken transfer: the pool updates both sides' collateral flags.
    function transfer(address to, uint256 amount) external returns (bool) {
        uint256 fromBefore = balanceOf[msg.sender];
        uint256 toBefore = balanceOf[to];
        _move(msg.sender, to, amount);
        pool.finalizeTransfer(underlying, msg.sender, to, amount, fromBefore, toBefore);
        return true;
    }

    /// Collateral seized as aTokens: the pool sets the liquidator's flag itself.
    function transferOnLiquidation(address from, address to, uint256 amount) external onlyPool {
        _move(from, to, amount);
    }

    function _move(address from, address to, uint256 amount) private {
        balanceOf[from] -= amount;
        balanceOf[to] += amount;
        emit Transfer(from, to, amount);
        emit BalanceTransfer(from, to, amount, 1e27);
    }
}

/// Emits the Aave v3 Pool events with their real signatures (IPool.sol) and
/// answers the Pool's reads the watcher uses with the same layouts: reserve
/// configuration and user configuration bitmaps, eMode categories, the
/// reserves list, and (as its own addresses provider and price oracle) asset
/// prices read from Chainlink-style aggregators. getUserAccountData follows
/// Aave's health-factor computation. Not a lending protocol: no interest, no
/// checks beyond balances (a liquidation is not refused for a healthy account).
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
    event ReserveUsedAsCollateralEnabled(address indexed reserve, address indexed user);
    event ReserveUsedAsCollateralDisabled(address indexed reserve, address indexed user);
    event UserEModeSet(address indexed user, uint8 categoryId);

    struct ReserveConfigurationMap {
        uint256 data;
    }

    struct UserConfigurationMap {
        uint256 data;
    }

    struct EModeCategory {
        uint16 ltv;
        uint16 liquidationThreshold;
        uint16 liquidationBonus;
        address priceSource;
        string label;
    }

    address[] private reservesList;
    mapping(address => uint256) private reserveIdOf;
    mapping(address => MockReserveToken) public aTokenOf;
    mapping(address => MockReserveToken) public debtTokenOf;
    mapping(address => uint256) private configuration;
    mapping(address => uint256) private userConfiguration;
    mapping(address => uint8) private userEMode;
    mapping(uint8 => EModeCategory) private eModeCategories;
    mapping(address => address) public assetSource;

    // --- listing and parameters (the PoolConfigurator's and AaveOracle's part)

    function initReserve(address asset) external {
        require(address(aTokenOf[asset]) == address(0), "listed");
        aTokenOf[asset] = new MockReserveToken(asset);
        debtTokenOf[asset] = new MockReserveToken(asset);
        reserveIdOf[asset] = reservesList.length;
        reservesList.push(asset);
    }

    /// Thresholds and bonus in bps, as ReserveConfiguration packs them (the reserve is active).
    function configureReserve(
        address asset,
        uint256 ltv,
        uint256 liquidationThreshold,
        uint256 liquidationBonus,
        uint256 decimals,
        uint256 eModeCategory
    ) external {
        configuration[asset] = ltv | (liquidationThreshold << 16) | (liquidationBonus << 32) | (decimals << 48)
            | (1 << 56) | (eModeCategory << 168);
    }

    function configureEModeCategory(uint8 id, EModeCategory calldata category) external {
        require(id != 0, "category 0");
        eModeCategories[id] = category;
    }

    /// The aggregator an asset's price is read from (8 decimals: the base currency, USD).
    function setAssetSource(address asset, address aggregator) external {
        assetSource[asset] = aggregator;
    }

    // --- the Pool's reads

    function getConfiguration(address asset) external view returns (ReserveConfigurationMap memory) {
        return ReserveConfigurationMap(configuration[asset]);
    }

    function getUserConfiguration(address user) external view returns (UserConfigurationMap memory) {
        return UserConfigurationMap(userConfiguration[user]);
    }

    function getReservesList() external view returns (address[] memory) {
        return reservesList;
    }

    function getEModeCategoryData(uint8 id) external view returns (EModeCategory memory) {
        return eModeCategories[id];
    }

    function getUserEMode(address user) external view returns (uint256) {
        return userEMode[user];
    }

    function ADDRESSES_PROVIDER() external view returns (address) {
        return address(this);
    }

    // --- the addresses provider's and the oracle's reads

    function getPriceOracle() external view returns (address) {
        return address(this);
    }

    function getAssetPrice(address asset) public view returns (uint256) {
        return uint256(IAnswer(assetSource[asset]).latestAnswer());
    }

    function getAssetsPrices(address[] calldata assets) external view returns (uint256[] memory prices) {
        prices = new uint256[](assets.length);
        for (uint256 i = 0; i < assets.length; i++) {
            prices[i] = getAssetPrice(assets[i]);
        }
    }

    // --- user actions

    function supply(address asset, uint256 amount, address onBehalfOf, uint16 referralCode) external {
        bool first = aTokenOf[asset].balanceOf(onBehalfOf) == 0;
        aTokenOf[asset].mint(onBehalfOf, amount);
        if (first && _threshold(asset) != 0) _setCollateral(asset, onBehalfOf, true);
        emit Supply(asset, msg.sender, onBehalfOf, amount, referralCode);
    }

    function withdraw(address asset, uint256 amount, address to) external returns (uint256) {
        uint256 balance = aTokenOf[asset].balanceOf(msg.sender);
        if (amount == type(uint256).max) amount = balance;
        aTokenOf[asset].burn(msg.sender, amount);
        if (amount == balance && _isCollateral(asset, msg.sender)) _setCollateral(asset, msg.sender, false);
        emit Withdraw(asset, msg.sender, to, amount);
        return amount;
    }

    function borrow(address asset, uint256 amount, uint256 interestRateMode, uint16 referralCode, address onBehalfOf)
        external
    {
        debtTokenOf[asset].mint(onBehalfOf, amount);
        userConfiguration[onBehalfOf] |= 1 << (2 * reserveIdOf[asset]);
        emit Borrow(asset, msg.sender, onBehalfOf, amount, uint8(interestRateMode), 3e25, referralCode);
    }

    function repay(address asset, uint256 amount, uint256, address onBehalfOf) external returns (uint256) {
        amount = _repay(asset, amount, onBehalfOf);
        emit Repay(asset, onBehalfOf, msg.sender, amount, false);
        return amount;
    }

    function repayWithATokens(address asset, uint256 amount, uint256) external returns (uint256) {
        amount = _repay(asset, amount, msg.sender);
        uint256 balance = aTokenOf[asset].balanceOf(msg.sender);
        aTokenOf[asset].burn(msg.sender, amount);
        if (amount == balance && _isCollateral(asset, msg.sender)) _setCollateral(asset, msg.sender, false);
        emit Repay(asset, msg.sender, msg.sender, amount, true);
        return amount;
    }

    function setUserUseReserveAsCollateral(address asset, bool useAsCollateral) external {
        if (useAsCollateral == _isCollateral(asset, msg.sender)) return;
        _setCollateral(asset, msg.sender, useAsCollateral);
    }

    function setUserEMode(uint8 categoryId) external {
        userEMode[msg.sender] = categoryId;
        emit UserEModeSet(msg.sender, categoryId);
    }

    /// Repays `debtToCover` (at most the debt) and seizes its value plus the
    /// collateral's liquidation bonus (the category's in eMode), at most the balance.
    function liquidationCall(
        address collateralAsset,
        address debtAsset,
        address user,
        uint256 debtToCover,
        bool receiveAToken
    ) external {
        uint256 debt = debtTokenOf[debtAsset].balanceOf(user);
        if (debtToCover > debt) debtToCover = debt;
        uint256 balance = aTokenOf[collateralAsset].balanceOf(user);
        uint256 bonus = (configuration[collateralAsset] >> 32) & 0xFFFF;
        uint8 category = userEMode[user];
        if (category != 0 && _eModeCategory(collateralAsset) == category) bonus = eModeCategories[category].liquidationBonus;
        uint256 seized = (getAssetPrice(debtAsset) * debtToCover * 10 ** _decimals(collateralAsset) * bonus)
            / (getAssetPrice(collateralAsset) * 10 ** _decimals(debtAsset) * 10_000);
        if (seized > balance) {
            debtToCover = debtToCover * balance / seized;
            seized = balance;
        }
        debtTokenOf[debtAsset].burn(user, debtToCover);
        if (debtTokenOf[debtAsset].balanceOf(user) == 0) {
            userConfiguration[user] &= ~(uint256(1) << (2 * reserveIdOf[debtAsset]));
        }
        if (seized == balance && _isCollateral(collateralAsset, user)) _setCollateral(collateralAsset, user, false);
        if (receiveAToken) {
            bool first = aTokenOf[collateralAsset].balanceOf(msg.sender) == 0;
            aTokenOf[collateralAsset].transferOnLiquidation(user, msg.sender, seized);
            if (first) _setCollateral(collateralAsset, msg.sender, true);
        } else {
            aTokenOf[collateralAsset].burn(user, seized);
        }
        emit LiquidationCall(collateralAsset, debtAsset, user, debtToCover, seized, msg.sender, receiveAToken);
    }

    /// Called by an aToken after a transfer (Aave's finalizeTransfer).
    function finalizeTransfer(
        address asset,
        address from,
        address to,
        uint256 amount,
        uint256 balanceFromBefore,
        uint256 balanceToBefore
    ) external {
        require(msg.sender == address(aTokenOf[asset]), "only aToken");
        if (from == to || amount == 0) return;
        if (balanceFromBefore == amount && _isCollateral(asset, from)) _setCollateral(asset, from, false);
        if (balanceToBefore == 0 && _threshold(asset) != 0) _setCollateral(asset, to, true);
    }

    /// Aave's calculateUserAccountData: collateral (flag on, threshold non-zero)
    /// and debt valued at the oracle price, or the oracle price of the eMode
    /// category's price source.
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
        uint256 weighted;
        (totalCollateralBase, weighted, totalDebtBase) = _totals(user);
        currentLiquidationThreshold = totalCollateralBase == 0 ? 0 : weighted / totalCollateralBase;
        healthFactor = totalDebtBase == 0
            ? type(uint256).max
            : (totalCollateralBase * currentLiquidationThreshold * 1e18) / (10_000 * totalDebtBase);
        availableBorrowsBase = 0;
        ltv = 0;
    }

    function _totals(address user) private view returns (uint256 collateral, uint256 weighted, uint256 debt) {
        uint8 category = userEMode[user];
        address source = eModeCategories[category].priceSource;
        uint256 eModePrice = category != 0 && source != address(0) ? getAssetPrice(source) : 0;
        for (uint256 i = 0; i < reservesList.length; i++) {
            (uint256 c, uint256 w, uint256 d) = _reserveTotals(user, reservesList[i], category, eModePrice);
            collateral += c;
            weighted += w;
            debt += d;
        }
    }

    /// One reserve's collateral value, its value times the threshold, and its debt value.
    function _reserveTotals(address user, address asset, uint8 category, uint256 eModePrice)
        private
        view
        returns (uint256 c, uint256 w, uint256 d)
    {
        bool inEMode = category != 0 && _eModeCategory(asset) == category;
        uint256 price = inEMode && eModePrice != 0 ? eModePrice : getAssetPrice(asset);
        uint256 unit = 10 ** _decimals(asset);
        if (_threshold(asset) != 0 && _isCollateral(asset, user)) {
            c = aTokenOf[asset].balanceOf(user) * price / unit;
            w = c * (inEMode ? eModeCategories[category].liquidationThreshold : _threshold(asset));
        }
        d = debtTokenOf[asset].balanceOf(user) * price / unit;
    }

    // --- internals

    function _repay(address asset, uint256 amount, address onBehalfOf) private returns (uint256) {
        uint256 debt = debtTokenOf[asset].balanceOf(onBehalfOf);
        if (amount > debt) amount = debt;
        debtTokenOf[asset].burn(onBehalfOf, amount);
        if (amount == debt) userConfiguration[onBehalfOf] &= ~(uint256(1) << (2 * reserveIdOf[asset]));
        return amount;
    }

    function _threshold(address asset) private view returns (uint256) {
        return (configuration[asset] >> 16) & 0xFFFF;
    }

    function _decimals(address asset) private view returns (uint256) {
        return (configuration[asset] >> 48) & 0xFF;
    }

    function _eModeCategory(address asset) private view returns (uint256) {
        return (configuration[asset] >> 168) & 0xFF;
    }

    function _isCollateral(address asset, address user) private view returns (bool) {
        return (userConfiguration[user] >> (2 * reserveIdOf[asset] + 1)) & 1 != 0;
    }

    function _setCollateral(address asset, address user, bool on) private {
        uint256 bit = uint256(1) << (2 * reserveIdOf[asset] + 1);
        if (on) {
            userConfiguration[user] |= bit;
            emit ReserveUsedAsCollateralEnabled(asset, user);
        } else {
            userConfiguration[user] &= ~bit;
            emit ReserveUsedAsCollateralDisabled(asset, user);
        }
    }
}
