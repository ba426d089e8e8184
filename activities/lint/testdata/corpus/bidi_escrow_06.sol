pragma solidity ^0.6.0;

// SWC-130. An escrow whose settle() reads, in a review tool, as paying the
// seller: a RIGHT-TO-LEFT OVERRIDE inside a comment reverses the text after
// it, so the displayed argument order is not the one the compiler sees.
contract BidiEscrow {
    address payable public seller;
    address payable public buyer;
    address public arbiter;

    constructor(address payable s, address payable b) public {
        seller = s;
        buyer = b;
        arbiter = msg.sender;
    }

    function pay(address payable to, address payable refundTo) internal {
        to.transfer(address(this).balance / 2);
        refundTo.transfer(address(this).balance);
    }

    function settle() external {
        require(msg.sender == arbiter, "arbiter");
        pay(/*seller first‮, */ buyer, seller); // @expect right-to-left-override
    }

    receive() external payable {}
}
