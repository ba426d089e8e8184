pragma solidity ^0.4.24;

// SWC-104. A token vault ignoring the bool of transfer: a token returning
// false on failure leaves the user's balance zeroed and nothing paid.
contract ERC20 {
    function transfer(address to, uint256 value) public returns (bool);
    function transferFrom(address from, address to, uint256 value) public returns (bool);
    function balanceOf(address who) public view returns (uint256);
}

contract TokenVault {
    ERC20 public token;
    mapping(address => uint256) public deposits;

    constructor(ERC20 _token) public {
        token = _token;
    }

    function deposit(uint256 amount) public {
        require(token.transferFrom(msg.sender, this, amount));
        deposits[msg.sender] += amount;
    }

    function withdraw() public {
        uint256 amount = deposits[msg.sender];
        deposits[msg.sender] = 0;
        token.transfer(msg.sender, amount); // @expect unchecked-transfer
    }
}

contract TokenVaultFixed {
    ERC20 public token;
    mapping(address => uint256) public deposits;

    constructor(ERC20 _token) public {
        token = _token;
    }

    function deposit(uint256 amount) public {
        require(token.transferFrom(msg.sender, this, amount));
        deposits[msg.sender] += amount;
    }

    function withdraw() public {
        uint256 amount = deposits[msg.sender];
        deposits[msg.sender] = 0;
        require(token.transfer(msg.sender, amount));
    }
}
