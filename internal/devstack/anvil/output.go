package anvil

// tailLines is how much of anvil's output a start error quotes.
const tailLines = 20
