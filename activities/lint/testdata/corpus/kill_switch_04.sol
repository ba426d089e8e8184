pragma solidity ^0.4.24;

// SWC-106. A fund with an emergency kill switch that forgot its guard.
contract EmergencyFund {
    address public owner;
    mapping(address => uint256) public shares;

    constructor() public {
        owner = msg.sender;
    }

    function contribute() public payable {
        shares[msg.sender] += msg.value;
    }

    function close() public { // @expect unprotected-selfdestruct
        suicide(msg.sender);
    }
}

// The kill switch behind its owner, through a helper.
contract EmergencyFundFixed {
    address public owner;
    mapping(address => uint256) public shares;

    constructor() public {
        owner = msg.sender;
    }

    modifier onlyOwner() {
        require(msg.sender == owner);
        _;
    }

    function contribute() public payable {
        shares[msg.sender] += msg.value;
    }

    function close() public onlyOwner {
        destroy();
    }

    function destroy() internal {
        selfdestruct(owner);
    }
}
