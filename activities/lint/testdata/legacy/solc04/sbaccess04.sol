pragma solidity ^0.4.24;
// Access-control findings sit on the function header: the missing guard.
contract MultiOwnedVuln {
    address public root;
    mapping (address => address) public owners;
    constructor() public { root = msg.sender; owners[root] = root; }
    modifier onlyOwner() { require(owners[msg.sender] != 0); _; }
    function newOwner(address _owner) external returns (bool) { // expect: missing-access-control:high
        require(_owner != 0);
        owners[_owner] = msg.sender;
        return true;
    }
    function deleteOwner(address _owner) onlyOwner external returns (bool) {
        owners[_owner] = 0;
        return true;
    }
}
contract MultiOwnedFixed {
    mapping (address => address) public owners;
    mapping (address => bool) public admins;
    constructor() public { owners[msg.sender] = msg.sender; }
    modifier onlyOwner() { require(owners[msg.sender] != 0); _; }
    function newOwner(address _owner) onlyOwner external { owners[_owner] = msg.sender; }
    function resign() external { admins[msg.sender] = false; }
}
// Parity-style camel-case initializers, one only through the others.
contract WalletLibVuln {
    uint public m_required;
    uint public m_numOwners;
    uint public m_dailyLimit;
    mapping(uint => uint) m_ownerIndex;
    function initMultiowned(address[] _owners, uint _required) public { // expect: unprotected-initializer:high
        m_numOwners = _owners.length + 1;
        m_ownerIndex[uint(msg.sender)] = 1;
        m_required = _required;
    }
    function initDaylimit(uint _limit) public { // expect: unprotected-initializer:medium
        m_dailyLimit = _limit;
    }
    function initWallet(address[] _owners, uint _required, uint _daylimit) public { // expect: unprotected-initializer:high
        initDaylimit(_daylimit);
        initMultiowned(_owners, _required);
    }
}
contract WalletLibFixed {
    uint public m_required;
    uint public m_numOwners;
    function initMultiowned(address[] _owners, uint _required) public {
        require(m_numOwners == 0);
        m_numOwners = _owners.length + 1;
        m_required = _required;
    }
    function initiative() public view returns (uint) { return m_required; }
}
contract SuicideVuln {
    function sudicideAnyone() public { // expect: unprotected-selfdestruct:high
        selfdestruct(msg.sender);
    }
}
