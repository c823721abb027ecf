"""Evidence bundles: raw outputs, results, policy and inventory, under a signed manifest."""
