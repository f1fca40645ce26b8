// The token unit of both profiles' ledgers: every amount is an integer count of 10^-9 tokens
// (Bittensor: rao per TAO and per alpha; Commune: nano per COMAI). `5_000n * TOKEN` is 5,000 tokens.
export const TOKEN = 1_000_000_000n;
