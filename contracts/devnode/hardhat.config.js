// A local development node for tests and demos: `npx hardhat node` from this directory.
// Prague rules (as the contracts are compiled for), fixed chain id, default funded accounts.
module.exports = {
  networks: {
    hardhat: {
      hardfork: "prague",
      chainId: 31337,
    },
  },
};
