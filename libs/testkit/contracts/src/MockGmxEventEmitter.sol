// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// A GMX v2-shaped event emitter for tests and the demo: the EventLog,
/// EventLog1 and EventLog2 events of GMX v2's EventEmitter with the same
/// EventLogData layout (key-value items per value type, each with single and
/// array items), and position changes emitted as GMX's PositionIncrease and
/// PositionDecrease logs (a liquidation is a PositionDecrease whose orderType
/// is Liquidation, 7). Only the keys Breakwater reads carry values; the other
/// keys of GMX's logs are present with zeros so the layout is the venue's.
contract MockGmxEventEmitter {
    struct AddressKeyValue { string key; address value; }
    struct AddressArrayKeyValue { string key; address[] value; }
    struct UintKeyValue { string key; uint256 value; }
    struct UintArrayKeyValue { string key; uint256[] value; }
    struct IntKeyValue { string key; int256 value; }
    struct IntArrayKeyValue { string key; int256[] value; }
    struct BoolKeyValue { string key; bool value; }
    struct BoolArrayKeyValue { string key; bool[] value; }
    struct Bytes32KeyValue { string key; bytes32 value; }
    struct Bytes32ArrayKeyValue { string key; bytes32[] value; }
    struct BytesKeyValue { string key; bytes value; }
    struct BytesArrayKeyValue { string key; bytes[] value; }
    struct StringKeyValue { string key; string value; }
    struct StringArrayKeyValue { string key; string[] value; }

    struct AddressItems { AddressKeyValue[] items; AddressArrayKeyValue[] arrayItems; }
    struct UintItems { UintKeyValue[] items; UintArrayKeyValue[] arrayItems; }
    struct IntItems { IntKeyValue[] items; IntArrayKeyValue[] arrayItems; }
    struct BoolItems { BoolKeyValue[] items; BoolArrayKeyValue[] arrayItems; }
    struct Bytes32Items { Bytes32KeyValue[] items; Bytes32ArrayKeyValue[] arrayItems; }
    struct BytesItems { BytesKeyValue[] items; BytesArrayKeyValue[] arrayItems; }
    struct StringItems { StringKeyValue[] items; StringArrayKeyValue[] arrayItems; }

    struct EventLogData {
        AddressItems addressItems;
        UintItems uintItems;
        IntItems intItems;
        BoolItems boolItems;
        Bytes32Items bytes32Items;
        BytesItems bytesItems;
        StringItems stringItems;
    }

    event EventLog(address msgSender, string eventName, string indexed eventNameHash, EventLogData eventData);
    event EventLog1(
        address msgSender,
        string eventName,
        string indexed eventNameHash,
        bytes32 indexed topic1,
        EventLogData eventData
    );
    event EventLog2(
        address msgSender,
        string eventName,
        string indexed eventNameHash,
        bytes32 indexed topic1,
        bytes32 indexed topic2,
        EventLogData eventData
    );

    /// A position's state after an increase or decrease, with the prices it executed at
    /// (GMX units: USD amounts with 30 decimals, prices per token unit with 30 - token decimals).
    struct PositionChange {
        bool increase;
        bytes32 positionKey;
        bytes32 orderKey;
        address account;
        address market;
        address collateralToken;
        bool isLong;
        uint256 sizeInUsd;
        uint256 sizeInTokens;
        uint256 collateralAmount;
        uint256 executionPrice;
        uint256 indexTokenPrice;
        uint256 collateralTokenPrice;
        uint256 sizeDeltaUsd;
        uint256 orderType;
    }

    function emitPositionChange(PositionChange calldata p) external {
        EventLogData memory d;
        d.addressItems.items = new AddressKeyValue[](3);
        d.addressItems.items[0] = AddressKeyValue("account", p.account);
        d.addressItems.items[1] = AddressKeyValue("market", p.market);
        d.addressItems.items[2] = AddressKeyValue("collateralToken", p.collateralToken);

        UintKeyValue[] memory u = new UintKeyValue[](p.increase ? 16 : 18);
        u[0] = UintKeyValue("sizeInUsd", p.sizeInUsd);
        u[1] = UintKeyValue("sizeInTokens", p.sizeInTokens);
        u[2] = UintKeyValue("collateralAmount", p.collateralAmount);
        u[3] = UintKeyValue("borrowingFactor", 0);
        u[4] = UintKeyValue("fundingFeeAmountPerSize", 0);
        u[5] = UintKeyValue("longTokenClaimableFundingAmountPerSize", 0);
        u[6] = UintKeyValue("shortTokenClaimableFundingAmountPerSize", 0);
        u[7] = UintKeyValue("executionPrice", p.executionPrice);
        u[8] = UintKeyValue("indexTokenPrice.max", p.indexTokenPrice);
        u[9] = UintKeyValue("indexTokenPrice.min", p.indexTokenPrice);
        u[10] = UintKeyValue("collateralTokenPrice.max", p.collateralTokenPrice);
        u[11] = UintKeyValue("collateralTokenPrice.min", p.collateralTokenPrice);
        u[12] = UintKeyValue("sizeDeltaUsd", p.sizeDeltaUsd);
        u[13] = UintKeyValue("sizeDeltaInTokens", 0);
        if (p.increase) {
            u[14] = UintKeyValue("orderType", p.orderType);
            u[15] = UintKeyValue("increasedAtTime", block.timestamp);
        } else {
            u[14] = UintKeyValue("collateralDeltaAmount", 0);
            u[15] = UintKeyValue("values.priceImpactDiffUsd", 0);
            u[16] = UintKeyValue("orderType", p.orderType);
            u[17] = UintKeyValue("decreasedAtTime", block.timestamp);
        }
        d.uintItems.items = u;

        IntKeyValue[] memory i = new IntKeyValue[](p.increase ? 3 : 5);
        if (p.increase) {
            i[0] = IntKeyValue("collateralDeltaAmount", 0);
            i[1] = IntKeyValue("pendingPriceImpactUsd", 0);
            i[2] = IntKeyValue("pendingPriceImpactAmount", 0);
        } else {
            i[0] = IntKeyValue("priceImpactUsd", 0);
            i[1] = IntKeyValue("basePnlUsd", 0);
            i[2] = IntKeyValue("uncappedBasePnlUsd", 0);
            i[3] = IntKeyValue("proportionalPendingImpactUsd", 0);
            i[4] = IntKeyValue("totalImpactUsd", 0);
        }
        d.intItems.items = i;

        d.boolItems.items = new BoolKeyValue[](1);
        d.boolItems.items[0] = BoolKeyValue("isLong", p.isLong);

        d.bytes32Items.items = new Bytes32KeyValue[](2);
        d.bytes32Items.items[0] = Bytes32KeyValue("orderKey", p.orderKey);
        d.bytes32Items.items[1] = Bytes32KeyValue("positionKey", p.positionKey);

        string memory name = p.increase ? "PositionIncrease" : "PositionDecrease";
        emit EventLog1(msg.sender, name, name, bytes32(uint256(uint160(p.account))), d);
    }

    /// A log of another GMX event (e.g. OrderCreated through EventLog2), which position followers ignore.
    function emitOther(string calldata eventName, bytes32 topic1, bytes32 topic2) external {
        EventLogData memory d;
        d.bytes32Items.items = new Bytes32KeyValue[](1);
        d.bytes32Items.items[0] = Bytes32KeyValue("key", topic1);
        emit EventLog2(msg.sender, eventName, eventName, topic1, topic2, d);
    }
}
