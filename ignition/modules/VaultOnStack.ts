import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { buildVault, NO_FEED } from "../../deploy/lib/stackModule.js";

/**
 * Another vault on a stack that is already deployed: its tokens, spot venue, perp venue (an
 * adapter bound to nothing yet, or any IPerpVenue) and feed are given as addresses, its name,
 * bands, strategy and cap as parameters, as in LocalStack. The deployer is its admin; it gets no
 * keeper and no fees (the caller sets them). The tests deploy their second vaults through it
 * (deploy/lib/stack/vaultStack.ts, `deployVaultOn`).
 */
export default buildModule("VaultOnStack", (m) => {
  const { vault, libraries } = buildVault(m, {
    asset: m.getParameter<string>("asset"),
    spotToken: m.getParameter<string>("spotToken"),
    spotVenue: m.getParameter<string>("spotVenue"),
    perpVenue: m.getParameter<string>("perpVenue"),
    feed: {
      aggregator: m.getParameter<string>("feed"),
      heartbeat: m.getParameter<number>("heartbeat"),
      sequencerUptimeFeed: m.getParameter("sequencerUptimeFeed", NO_FEED),
      sequencerGracePeriod: m.getParameter("sequencerGracePeriod", 0),
    },
    assetFeed: m.getParameter("assetFeed", NO_FEED),
    assetHeartbeat: m.getParameter("assetHeartbeat", 0),
    admin: m.getAccount(0),
    guardian: m.getParameter<string>("guardian"),
  });
  return { vault, ...libraries };
});
