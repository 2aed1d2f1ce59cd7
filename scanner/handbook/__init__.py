"""The company's social media handbook, generated from the inventory and the policy as they are."""
