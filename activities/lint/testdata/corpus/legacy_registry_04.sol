pragma solidity ^0.4.24;

// Pre-0.5 pitfalls in one registry: an implicitly public helper, a fee
// redeclared in the derived contract, and a storage array pointer left
// uninitialised.
contract FeeBase {
    uint256 public fee = 0.01 ether;
    address public treasury;

    function chargeFee() internal {
        require(msg.value >= fee);
    }
}

contract DomainRegistry is FeeBase {
    uint256 public fee = 0.001 ether; // @expect shadowing-state
    address public admin;
    mapping(bytes32 => address) public domains;
    bytes32[] public names;

    constructor() public {
        admin = msg.sender;
        treasury = msg.sender;
    }

    function register(bytes32 name) public payable {
        chargeFee();
        require(domains[name] == address(0));
        domains[name] = msg.sender;
        names.push(name);
    }

    // Meant as an internal helper of setAdmin; without a visibility it is
    // public in 0.4, so anyone sets the admin.
    function _setAdmin(address next) { // @expect default-visibility missing-access-control
        admin = next;
    }

    function setAdmin(address next) public {
        require(msg.sender == admin);
        _setAdmin(next);
    }

    function recent(uint256 n) public view returns (bytes32[]) {
        bytes32[] memory out = new bytes32[](n);
        for (uint256 i = 0; i < n && i < names.length; i++) {
            out[i] = names[names.length - 1 - i];
        }
        return out;
    }

    function reserve(bytes32 name) public {
        require(msg.sender == admin);
        bytes32[] storage batch; // @expect uninitialized-storage
        batch.push(name);
        domains[name] = admin;
    }

    function withdraw() public {
        require(msg.sender == admin);
        treasury.transfer(address(this).balance);
    }
}

contract DomainRegistryFixed is FeeBase {
    address public admin;
    mapping(bytes32 => address) public domains;

    constructor() public {
        admin = msg.sender;
        treasury = msg.sender;
        fee = 0.001 ether;
    }

    function register(bytes32 name) public payable {
        chargeFee();
        require(domains[name] == address(0));
        domains[name] = msg.sender;
    }

    function _setAdmin(address next) internal {
        admin = next;
    }

    function setAdmin(address next) public {
        require(msg.sender == admin);
        _setAdmin(next);
    }

    function withdraw() public {
        require(msg.sender == admin);
        treasury.transfer(address(this).balance);
    }
}
