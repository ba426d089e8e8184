pragma solidity ^0.6.0;

// SWC-104. A staking pool paying rewards in an ERC20 whose transfer
// result it ignores: with a token that returns false, stakers are marked
// paid and get nothing.
interface IERC20 {
    function transfer(address to, uint256 amount) external returns (bool);
    function transferFrom(address from, address to, uint256 amount) external returns (bool);
    function balanceOf(address who) external view returns (uint256);
}

contract RewardPool {
    IERC20 public stakingToken;
    IERC20 public rewardToken;
    uint256 public rewardPerBlock = 1e18;
    uint256 public totalStaked;
    mapping(address => uint256) public staked;
    mapping(address => uint256) public lastClaimBlock;

    constructor(IERC20 _staking, IERC20 _reward) public {
        stakingToken = _staking;
        rewardToken = _reward;
    }

    function stake(uint256 amount) external {
        require(stakingToken.transferFrom(msg.sender, address(this), amount), "pull");
        staked[msg.sender] += amount;
        totalStaked += amount;
        lastClaimBlock[msg.sender] = block.number;
    }

    function claim() external {
        uint256 blocks = block.number - lastClaimBlock[msg.sender];
        uint256 reward = blocks * rewardPerBlock * staked[msg.sender] / totalStaked;
        lastClaimBlock[msg.sender] = block.number;
        rewardToken.transfer(msg.sender, reward); // @expect unchecked-transfer
    }

    function unstake(uint256 amount) external {
        require(staked[msg.sender] >= amount, "staked");
        staked[msg.sender] -= amount;
        totalStaked -= amount;
        stakingToken.transfer(msg.sender, amount); // @expect unchecked-transfer
    }
}

library SafeTransfer {
    function safeTransfer(IERC20 token, address to, uint256 amount) internal {
        (bool ok, bytes memory data) = address(token).call(abi.encodeWithSelector(token.transfer.selector, to, amount));
        require(ok && (data.length == 0 || abi.decode(data, (bool))), "transfer");
    }
}

contract RewardPoolFixed {
    using SafeTransfer for IERC20;

    IERC20 public stakingToken;
    IERC20 public rewardToken;
    uint256 public rewardPerBlock = 1e18;
    uint256 public totalStaked;
    mapping(address => uint256) public staked;
    mapping(address => uint256) public lastClaimBlock;

    constructor(IERC20 _staking, IERC20 _reward) public {
        stakingToken = _staking;
        rewardToken = _reward;
    }

    function stake(uint256 amount) external {
        require(stakingToken.transferFrom(msg.sender, address(this), amount), "pull");
        staked[msg.sender] += amount;
        totalStaked += amount;
        lastClaimBlock[msg.sender] = block.number;
    }

    function claim() external {
        uint256 blocks = block.number - lastClaimBlock[msg.sender];
        uint256 reward = blocks * rewardPerBlock * staked[msg.sender] / totalStaked;
        lastClaimBlock[msg.sender] = block.number;
        rewardToken.safeTransfer(msg.sender, reward);
    }

    function unstake(uint256 amount) external {
        require(staked[msg.sender] >= amount, "staked");
        staked[msg.sender] -= amount;
        totalStaked -= amount;
        require(stakingToken.transfer(msg.sender, amount), "transfer");
    }
}
