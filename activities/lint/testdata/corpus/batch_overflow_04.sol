pragma solidity ^0.4.24;

// SWC-101. The batch-transfer overflow of the 2018 token incidents: the
// total is computed as count times value, which wraps for a huge value,
// so a tiny total passes the balance check and every receiver is credited
// the huge value.
library SafeMath {
    function mul(uint256 a, uint256 b) internal pure returns (uint256) {
        if (a == 0) {
            return 0;
        }
        uint256 c = a * b;
        require(c / a == b);
        return c;
    }

    function sub(uint256 a, uint256 b) internal pure returns (uint256) {
        require(b <= a);
        return a - b;
    }

    function add(uint256 a, uint256 b) internal pure returns (uint256) {
        uint256 c = a + b;
        require(c >= a);
        return c;
    }
}

contract PausableToken {
    using SafeMath for uint256;

    mapping(address => uint256) public balances;
    bool public paused;

    constructor() public {
        balances[msg.sender] = 1e27;
    }

    function batchTransfer(address[] _receivers, uint256 _value) public returns (bool) {
        require(!paused);
        uint256 cnt = _receivers.length;
        uint256 amount = uint256(cnt) * _value; // @expect integer-overflow
        require(cnt > 0 && cnt <= 20);
        require(_value > 0 && balances[msg.sender] >= amount);
        balances[msg.sender] = balances[msg.sender].sub(amount);
        for (uint256 i = 0; i < cnt; i++) {
            balances[_receivers[i]] = balances[_receivers[i]].add(_value);
        }
        return true;
    }
}

// The product through SafeMath reverts instead of wrapping.
contract PausableTokenFixed {
    using SafeMath for uint256;

    mapping(address => uint256) public balances;
    bool public paused;

    constructor() public {
        balances[msg.sender] = 1e27;
    }

    function batchTransfer(address[] _receivers, uint256 _value) public returns (bool) {
        require(!paused);
        uint256 cnt = _receivers.length;
        uint256 amount = _value.mul(cnt);
        require(cnt > 0 && cnt <= 20);
        require(_value > 0 && balances[msg.sender] >= amount);
        balances[msg.sender] = balances[msg.sender].sub(amount);
        for (uint256 i = 0; i < cnt; i++) {
            balances[_receivers[i]] = balances[_receivers[i]].add(_value);
        }
        return true;
    }
}
